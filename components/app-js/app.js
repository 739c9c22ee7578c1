// The demo checkout app in JavaScript, instrumented with the wrr:otel API.
//
// The same app as components/app (Rust) and components/app-python, span for
// span: a `checkout` span with `validate`, `price` (one `price-item` per item,
// then `tax`, which outlives `price`), `reserve-stock` and `audit`, which is
// never ended (the SDK's shutdown ends it); logs inside those spans; an
// `orders` counter and an `item.price` histogram. Built with componentize-js
// against world `app` of components/sdk/wit (scripts/build-lang-apps.sh js).

import { Provider } from 'wrr:otel/provider@0.1.0';
import { Span } from 'wrr:otel/tracing@0.1.0';

// Histogram bounds for item prices (the Rust app's PRICE_BOUNDS).
const PRICE_BOUNDS = new Float64Array([10.0, 50.0, 100.0, 500.0]);

// Unknown items cost nothing and are reported.
const PRICES = new Map([
  ['book', 12.5],
  ['lamp', 49.0],
  ['chair', 89.9],
  ['desk', 420.0],
  ['pen', 2.25],
]);

// How the bindings name a handle's drop (the engine may lack Symbol.dispose).
const dispose = Symbol.dispose ?? Symbol.for('dispose');

const INFO = 9;
const WARN = 13;

/** An attribute value of a JavaScript value (integers are BigInts: s64). */
function value(v) {
  switch (typeof v) {
    case 'boolean': return { tag: 'bool', val: v };
    case 'bigint': return { tag: 's64', val: v };
    case 'number': return { tag: 'f64', val: v };
    default: return { tag: 'string', val: String(v) };
  }
}

/** Attributes of an object's entries. */
function attributes(attrs = {}) {
  return Object.entries(attrs).map(([key, v]) => ({ key, value: value(v) }));
}

/** Runs `f`, ignoring the SDK refusing the call (a result's `err`, which the
 *  bindings throw as an error with a `payload`); anything else propagates. */
function unlessRefused(f) {
  try {
    return f();
  } catch (e) {
    if (e?.payload === undefined) throw e;
    return undefined;
  }
}

/** A started span, or none when the SDK refused it (at its limit): the
 *  request then goes on untraced, its children and logs falling back to the
 *  current span. */
class Scope {
  constructor(span) {
    this.span = span;
  }
  get parent() {
    return this.span ? { tag: 'span', val: this.span } : { tag: 'current' };
  }
  get logContext() {
    return this.span ? { tag: 'span', val: this.span } : { tag: 'current' };
  }
  setStatus(status) {
    this.span?.setStatus(status);
  }
  setAttribute(key, v) {
    this.span?.setAttribute(key, value(v));
  }
  addEvent(name, attrs) {
    this.span?.addEvent(name, attributes(attrs), undefined);
  }
  end() {
    if (this.span) {
      Span.end(this.span, undefined);
      this.span = undefined;
    }
  }
}

/** The instance's provider, tracer, logger and two instruments. */
class Telemetry {
  constructor() {
    this.provider = new Provider({
      resource: attributes({ 'service.name': 'checkout', 'service.version': '1.4.2' }),
      schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
      temporality: 'cumulative',
    });
    const scope = {
      name: 'checkout-app',
      version: '0.1.0',
      schemaUrl: undefined,
      attributes: attributes({ component: 'app' }),
    };
    this.tracer = this.provider.tracer(scope);
    this.logger = this.provider.logger(scope);
    // A fresh provider always has room for a meter and two instruments: an
    // error here means the SDK is broken, and is left to trap the instance.
    const meter = this.provider.meter(scope);
    try {
      this.orders = meter.counter('orders', {
        description: 'orders handled', unit: '{order}', numberType: 'u64',
      });
      this.prices = meter.histogram('item.price', {
        description: 'price of each item priced', unit: 'USD', numberType: 'f64',
      }, PRICE_BOUNDS);
    } finally {
      meter[dispose]();
    }
  }

  /** Starts a span as a child of `parent` (the current span when none); end
   *  it with `inSpan` or `Scope.end`. */
  start(name, parent, attrs) {
    const options = { kind: 'internal', attributes: attributes(attrs), links: [], startTime: undefined };
    const span = unlessRefused(() =>
      this.tracer.startSpan(name, parent ? parent.parent : { tag: 'current' }, options));
    return new Scope(span);
  }

  /** Runs `f(scope)` inside a new span, ended however `f` returns; an error
   *  escaping `f` marks it ERROR. */
  inSpan(name, parent, attrs, f) {
    const scope = this.start(name, parent, attrs);
    try {
      return f(scope);
    } catch (e) {
      scope.setStatus({ tag: 'error', val: `${e?.name ?? 'Error'}: ${e?.message ?? e}` });
      throw e;
    } finally {
      scope.end();
    }
  }

  /** Emits a record in `within` (the current span when none). */
  log(severity, body, within, attrs) {
    const record = {
      timestamp: undefined,
      observedTimestamp: undefined,
      severityNumber: severity,
      severityText: severity >= WARN ? 'WARN' : 'INFO',
      body: { tag: 'string', val: body },
      attributes: attributes(attrs),
      eventName: undefined,
      context: within ? within.logContext : { tag: 'current' },
    };
    // A logger only refuses after shutdown; a log line is not worth a trap.
    unlessRefused(() => this.logger.emit(record));
  }

  /** Shuts the provider down (ends what was forgotten, exports the metrics)
   *  and releases the handles. */
  close() {
    unlessRefused(() => this.provider.shutdown()); // already shut down: nothing to do
    for (const handle of [this.provider, this.tracer, this.logger, this.orders, this.prices]) {
      handle[dispose]();
    }
  }
}

// Made on the first request, dropped by shutdown.
let telemetry;

// Spans forgotten on purpose. Held here forever, because dropping a handle
// ends its span: the SDK's shutdown ends them, once, with status error.
const forgotten = [];

function checkout(t, { user, items }) {
  // The root of the app's work: a child of the host's server span.
  return t.inSpan('checkout', undefined, { user }, (root) => {
    t.log(INFO, 'checkout started', undefined, { user });
    if (!validate(t, root, items)) {
      root.setStatus({ tag: 'error', val: 'empty order' });
      return { status: 400, body: 'empty order' };
    }
    const total = price(t, root, items);
    reserve(t, root, items);

    const audit = t.start('audit', root);
    if (audit.span) forgotten.push(audit.span);
    // The app's bug, on purpose, the same in every language: the error ends
    // `checkout` with ERROR on its way out, then traps the instance with
    // `audit` open; the host ends that one.
    if (items.includes('crash')) throw new Error('cannot finish an order with `crash` in it');

    // The counter only refuses past its cardinality limit; one series here.
    unlessRefused(() => t.orders.add({ tag: 'u64', val: 1n }, attributes({ outcome: 'ok' })));
    root.setAttribute('order.total', total);
    root.setStatus({ tag: 'ok' });
    t.log(INFO, 'checkout done', root);
    return { status: 200, body: `${items.length} items, total ${total.toFixed(2)}` };
  });
}

function validate(t, root, items) {
  return t.inSpan('validate', root, {}, (span) => {
    if (items.length === 0) {
      t.log(WARN, 'order has no items', span);
      return false;
    }
    return true;
  });
}

// Prices each item under its own span (the third level), then adds tax in a
// span that outlives its parent: `price` ends before `tax` does.
function price(t, root, items) {
  let total = 0.0;
  let tax;
  t.inSpan('price', root, {}, (span) => {
    for (const item of items) {
      t.inSpan('price-item', span, { item }, (itemSpan) => {
        const cost = PRICES.get(item);
        if (cost === undefined) {
          itemSpan.setStatus({ tag: 'error', val: `unknown item ${item}` });
          t.log(WARN, 'unknown item', itemSpan, { item });
          return;
        }
        // One series per item: far below the cardinality limit.
        unlessRefused(() => t.prices.record({ tag: 'f64', val: cost }, attributes({ item })));
        total += cost;
      });
    }
    tax = t.start('tax', span);
  });
  // Out of order: `price` has ended, its child `tax` goes on.
  try {
    tax.addEvent('rate-looked-up', { region: 'EU' });
  } finally {
    tax.end();
  }
  return total * 1.2;
}

function reserve(t, root, items) {
  t.inSpan('reserve-stock', root, {}, () => {
    t.log(INFO, 'stock reserved', undefined, { items: BigInt(items.length) });
  });
}

export const handler = {
  handle(request) {
    telemetry ??= new Telemetry();
    return checkout(telemetry, request);
  },
  shutdown() {
    if (telemetry) {
      const t = telemetry;
      telemetry = undefined;
      t.close();
    }
  },
};
