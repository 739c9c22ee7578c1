//! The project's declaration of `wasi:otel@0.2.0-rc.2`
//! (`components/wasi-otel-host/wit`, which `components/sdk/wit/deps` links to) against the rc.2
//! release: every interface, function, record, variant, enum and flags with
//! the same names, field and case order and types. `RC2` below is the
//! release's shape in a canonical form (written from tag `v0.2.0-rc.2` of
//! WebAssembly/wasi-otel; doc comments play no part). A drift in the
//! declaration, or a host whose bindings no longer match the components'
//! imports, fails here.

use std::fmt::Write;
use std::path::Path;

use wit_parser::{Resolve, Type, TypeDefKind, TypeOwner};

/// Renders a type reference.
fn ty(resolve: &Resolve, t: &Type) -> String {
    match t {
        Type::Bool => "bool".into(),
        Type::U8 => "u8".into(),
        Type::U16 => "u16".into(),
        Type::U32 => "u32".into(),
        Type::U64 => "u64".into(),
        Type::S8 => "s8".into(),
        Type::S16 => "s16".into(),
        Type::S32 => "s32".into(),
        Type::S64 => "s64".into(),
        Type::F32 => "f32".into(),
        Type::F64 => "f64".into(),
        Type::Char => "char".into(),
        Type::String => "string".into(),
        Type::ErrorContext => "error-context".into(),
        Type::Id(id) => {
            let def = &resolve.types[*id];
            match &def.name {
                Some(name) => name.clone(),
                None => structural(resolve, &def.kind),
            }
        }
    }
}

/// Renders an anonymous type (list, option, tuple, result).
fn structural(resolve: &Resolve, kind: &TypeDefKind) -> String {
    {
        {
            match kind {
                TypeDefKind::List(t) => format!("list<{}>", ty(resolve, t)),
                TypeDefKind::Option(t) => format!("option<{}>", ty(resolve, t)),
                TypeDefKind::Tuple(t) => {
                    let items: Vec<String> = t.types.iter().map(|t| ty(resolve, t)).collect();
                    format!("tuple<{}>", items.join(", "))
                }
                TypeDefKind::Result(r) => format!(
                    "result<{}, {}>",
                    r.ok.as_ref().map_or("_".into(), |t| ty(resolve, t)),
                    r.err.as_ref().map_or("_".into(), |t| ty(resolve, t))
                ),
                other => format!("{:?}", other),
            }
        }
    }
}

/// Where a named type is defined: `package/interface`.
fn owner(resolve: &Resolve, t: &Type) -> String {
    let Type::Id(id) = t else {
        return String::new();
    };
    match resolve.types[*id].owner {
        TypeOwner::Interface(i) => resolve.id_of(i).unwrap_or_default(),
        _ => String::new(),
    }
}

/// The canonical form of package `name` in the WIT folder `dir`.
fn render(dir: &Path, name: &str) -> String {
    let mut resolve = Resolve::default();
    resolve.push_dir(dir).expect("the WIT parses");
    let (_, package) = resolve
        .packages
        .iter()
        .find(|(_, p)| p.name.to_string() == name)
        .unwrap_or_else(|| panic!("no package {}", name));
    let mut out = String::new();
    let mut interfaces: Vec<_> = package.interfaces.iter().collect();
    interfaces.sort_by_key(|(name, _)| name.as_str());
    for (iname, id) in interfaces {
        let _ = writeln!(out, "interface {}", iname);
        let iface = &resolve.interfaces[*id];
        for (tname, tid) in &iface.types {
            let def = &resolve.types[*tid];
            let line = match &def.kind {
                TypeDefKind::Record(r) => {
                    let fields: Vec<String> = r
                        .fields
                        .iter()
                        .map(|f| format!("{}: {}", f.name, ty(&resolve, &f.ty)))
                        .collect();
                    format!("record {} {{ {} }}", tname, fields.join(", "))
                }
                TypeDefKind::Variant(v) => {
                    let cases: Vec<String> = v
                        .cases
                        .iter()
                        .map(|c| match &c.ty {
                            Some(t) => format!("{}({})", c.name, ty(&resolve, t)),
                            None => c.name.clone(),
                        })
                        .collect();
                    format!("variant {} {{ {} }}", tname, cases.join(", "))
                }
                TypeDefKind::Enum(e) => {
                    let cases: Vec<&str> = e.cases.iter().map(|c| c.name.as_str()).collect();
                    format!("enum {} {{ {} }}", tname, cases.join(", "))
                }
                TypeDefKind::Flags(f) => {
                    let flags: Vec<&str> = f.flags.iter().map(|c| c.name.as_str()).collect();
                    format!("flags {} {{ {} }}", tname, flags.join(", "))
                }
                TypeDefKind::Type(t) => {
                    let from = owner(&resolve, t);
                    if from.is_empty() || from.ends_with(&format!("/{}", iname)) {
                        format!("type {} = {}", tname, ty(&resolve, t))
                    } else {
                        format!("use {}.{}", from, ty(&resolve, t))
                    }
                }
                other => format!("type {} = {}", tname, structural(&resolve, other)),
            };
            let _ = writeln!(out, "  {}", line);
        }
        for (fname, f) in &iface.functions {
            let params: Vec<String> = f
                .params
                .iter()
                .map(|p| format!("{}: {}", p.name, ty(&resolve, &p.ty)))
                .collect();
            let result = f
                .result
                .as_ref()
                .map_or(String::new(), |t| format!(" -> {}", ty(&resolve, t)));
            let _ = writeln!(out, "  func {}({}){}", fname, params.join(", "), result);
        }
    }
    let mut worlds: Vec<_> = package.worlds.iter().collect();
    worlds.sort_by_key(|(name, _)| name.as_str());
    for (wname, id) in worlds {
        let world = &resolve.worlds[*id];
        let mut imports: Vec<String> = world
            .imports
            .keys()
            .map(|k| resolve.name_world_key(k))
            .collect();
        imports.sort();
        let _ = writeln!(out, "world {} imports {}", wname, imports.join(", "));
    }
    out
}

/// The shape of wasi:otel 0.2.0-rc.2.
const RC2: &str = include_str!("wasi_otel_rc2.txt");

#[test]
fn the_declaration_matches_wasi_otel_0_2_0_rc_2() {
    let wit = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sdk/wit");
    let ours = render(&wit, "wasi:otel@0.2.0-rc.2");
    if ours != RC2 {
        for (a, b) in ours.lines().zip(RC2.lines()) {
            if a != b {
                panic!("first difference:\n  declared: {}\n  rc.2:     {}", a, b);
            }
        }
        panic!("declared:\n{}\nrc.2:\n{}", ours, RC2);
    }
}

#[test]
fn the_components_import_exactly_what_the_host_implements() -> wasmtime::Result<()> {
    let engine = telemetry_host::engine();
    let expected = [
        "wasi:clocks/wall-clock@0.2.0",
        "wasi:otel/logs@0.2.0-rc.2",
        "wasi:otel/metrics@0.2.0-rc.2",
        "wasi:otel/tracing@0.2.0-rc.2",
        "wasi:otel/types@0.2.0-rc.2",
        "wasi:random/random@0.2.0",
    ];
    for (name, bytes) in [
        ("sdk", telemetry_host::SDK_COMPONENT),
        ("service", telemetry_host::SERVICE_COMPONENT),
    ] {
        let component = wasmtime::component::Component::new(engine, bytes)?;
        let mut imports: Vec<String> = component
            .component_type()
            .imports(engine)
            .map(|(n, _)| n.to_string())
            .collect();
        imports.sort();
        assert_eq!(imports, expected, "{}", name);
    }
    // And the host links them: instantiating checks every import's type
    // against the host's implementation.
    let exports = wasi_otel_host::otlp::memory::MemoryExporter::default();
    let pipeline = wasi_otel_host::Pipeline::memory(
        &exports,
        wasi_otel_host::opentelemetry_sdk::Resource::builder_empty().build(),
    );
    telemetry_host::Service::new(telemetry_host::Build::Registry, &pipeline)?;
    Ok(())
}
