"""The demo checkout app in Python, instrumented with the wrr:otel API.

The same app as components/app (Rust) and components/app-js, span for span:
a `checkout` span with `validate`, `price` (one `price-item` per item, then
`tax`, which outlives `price`), `reserve-stock` and `audit`, which is never
ended (the SDK's shutdown ends it); logs inside those spans; an `orders`
counter and an `item.price` histogram. Built with componentize-py against
world `app` of components/sdk/wit (scripts/build-lang-apps.sh python).
"""

from contextlib import suppress
from typing import List, Optional

from componentize_py_types import Err
from wit_world import exports
from wit_world.exports.handler import Request, Response
from wit_world.imports import logs, metrics, tracing, types
from wit_world.imports.provider import Provider, ProviderConfig

# Histogram bounds for item prices (the Rust app's PRICE_BOUNDS).
PRICE_BOUNDS = [10.0, 50.0, 100.0, 500.0]

# Unknown items cost nothing and are reported.
PRICES = {"book": 12.5, "lamp": 49.0, "chair": 89.9, "desk": 420.0, "pen": 2.25}

INFO, WARN = 9, 13


def value(v: object) -> types.Value:
    """An attribute value of a Python value."""
    if isinstance(v, bool):
        return types.Value_Bool(v)
    if isinstance(v, int):
        return types.Value_S64(v)
    if isinstance(v, float):
        return types.Value_F64(v)
    return types.Value_String(str(v))


def attributes(**attrs: object) -> List[types.KeyValue]:
    return [types.KeyValue(key, value(v)) for key, v in attrs.items()]


class Scope:
    """A started span, or none when the SDK refused it (at its limit): the
    request then goes on untraced, its children and logs falling back to the
    current span."""

    def __init__(self, span: Optional[tracing.Span]):
        self.span = span

    def parent(self) -> tracing.Parent:
        return tracing.Parent_Span(self.span) if self.span is not None else tracing.Parent_Current()

    def log_context(self) -> logs.LogContext:
        return logs.LogContext_Span(self.span) if self.span is not None else logs.LogContext_Current()

    def set_status(self, status: tracing.Status) -> None:
        if self.span is not None:
            self.span.set_status(status)

    def set_attribute(self, key: str, v: object) -> None:
        if self.span is not None:
            self.span.set_attribute(key, value(v))

    def add_event(self, name: str, **attrs: object) -> None:
        if self.span is not None:
            self.span.add_event(name, attributes(**attrs), None)

    def end(self) -> None:
        if self.span is not None:
            tracing.Span.end(self.span, None)
            self.span = None

    def __enter__(self) -> "Scope":
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        """Ends the span; an exception escaping the block marks it ERROR."""
        if exc is not None:
            self.set_status(tracing.Status_Error(f"{exc_type.__name__}: {exc}"))
        self.end()


class Telemetry:
    """The instance's provider, tracer, logger and two instruments."""

    def __init__(self) -> None:
        self.provider = Provider(ProviderConfig(
            resource=attributes(**{"service.name": "checkout", "service.version": "1.4.2"}),
            schema_url="https://opentelemetry.io/schemas/1.26.0",
            temporality=metrics.Temporality.CUMULATIVE,
        ))
        scope = types.InstrumentationScope(
            name="checkout-app", version="0.1.0", schema_url=None,
            attributes=attributes(component="app"),
        )
        self.tracer = self.provider.tracer(scope)
        self.logger = self.provider.logger(scope)
        # A fresh provider always has room for a meter and two instruments: an
        # Err here means the SDK is broken, and is left to trap the instance.
        with self.provider.meter(scope) as meter:
            self.orders = meter.counter("orders", metrics.InstrumentOptions(
                "orders handled", "{order}", metrics.NumberType.U64))
            self.prices = meter.histogram("item.price", metrics.InstrumentOptions(
                "price of each item priced", "USD", metrics.NumberType.F64), PRICE_BOUNDS)

    def span(self, name: str, parent: Optional[Scope] = None, **attrs: object) -> Scope:
        """Starts a span as a child of `parent` (the current span when none);
        use it in a `with` block, which ends it."""
        options = tracing.SpanOptions(tracing.SpanKind.INTERNAL, attributes(**attrs), [], None)
        try:
            return Scope(self.tracer.start_span(
                name, parent.parent() if parent else tracing.Parent_Current(), options))
        except Err:
            return Scope(None)

    def log(self, severity: int, body: str, within: Optional[Scope] = None, **attrs: object) -> None:
        """Emits a record in `within` (the current span when none)."""
        record = logs.LogRecord(
            timestamp=None, observed_timestamp=None,
            severity_number=severity, severity_text="WARN" if severity >= WARN else "INFO",
            body=types.Value_String(body), attributes=attributes(**attrs), event_name=None,
            context=within.log_context() if within else logs.LogContext_Current(),
        )
        # A logger only refuses after shutdown; a log line is not worth a trap.
        with suppress(Err):
            self.logger.emit(record)

    def close(self) -> None:
        """Shuts the provider down (ends what was forgotten, exports the
        metrics) and releases the handles."""
        with suppress(Err):  # already shut down: nothing to do
            self.provider.shutdown()
        for handle in (self.provider, self.tracer, self.logger, self.orders, self.prices):
            handle.__exit__(None, None, None)


# Made on the first request, dropped by shutdown.
telemetry: Optional[Telemetry] = None

# Spans forgotten on purpose. Held here forever, because dropping a handle
# ends its span: the SDK's shutdown ends them, once, with status error.
forgotten: List[tracing.Span] = []


def checkout(t: Telemetry, request: Request) -> Response:
    # The root of the app's work: a child of the host's server span.
    with t.span("checkout", user=request.user) as root:
        t.log(INFO, "checkout started", user=request.user)
        if not validate(t, root, request):
            root.set_status(tracing.Status_Error("empty order"))
            return Response(400, "empty order")
        total = price(t, root, request.items)
        reserve(t, root, request.items)

        audit = t.span("audit", root)
        if audit.span is not None:
            forgotten.append(audit.span)
        # The app's bug, on purpose, the same in every language: the
        # exception ends `checkout` with ERROR on its way out, then traps the
        # instance with `audit` open; the host ends that one.
        if "crash" in request.items:
            raise RuntimeError("cannot finish an order with `crash` in it")

        # The counter only refuses past its cardinality limit; one series here.
        with suppress(Err):
            t.orders.add(metrics.Number_U64(1), attributes(outcome="ok"))
        root.set_attribute("order.total", total)
        root.set_status(tracing.Status_Ok())
        t.log(INFO, "checkout done", within=root)
    return Response(200, f"{len(request.items)} items, total {total:.2f}")


def validate(t: Telemetry, root: Scope, request: Request) -> bool:
    with t.span("validate", root) as span:
        if not request.items:
            t.log(WARN, "order has no items", within=span)
            return False
    return True


def price(t: Telemetry, root: Scope, items: List[str]) -> float:
    """Prices each item under its own span (the third level), then adds tax
    in a span that outlives its parent: `price` ends before `tax` does."""
    total = 0.0
    with t.span("price", root) as span:
        for item in items:
            with t.span("price-item", span, item=item) as item_span:
                cost = PRICES.get(item)
                if cost is None:
                    item_span.set_status(tracing.Status_Error(f"unknown item {item}"))
                    t.log(WARN, "unknown item", within=item_span, item=item)
                    continue
                # One series per item: far below the cardinality limit.
                with suppress(Err):
                    t.prices.record(metrics.Number_F64(cost), attributes(item=item))
                total += cost
        tax = t.span("tax", span)
    # Out of order: `price` has ended, its child `tax` goes on.
    with tax:
        tax.add_event("rate-looked-up", region="EU")
    return total * 1.2


def reserve(t: Telemetry, root: Scope, items: List[str]) -> None:
    with t.span("reserve-stock", root):
        t.log(INFO, "stock reserved", items=len(items))


class Handler(exports.Handler):
    def handle(self, request: Request) -> Response:
        global telemetry
        if telemetry is None:
            telemetry = Telemetry()
        return checkout(telemetry, request)

    def shutdown(self) -> None:
        global telemetry
        if telemetry is not None:
            t, telemetry = telemetry, None
            t.close()
