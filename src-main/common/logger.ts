/** A minimal structured logger every component takes by injection. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** A logger whose lines carry `component`. */
  child(component: string): Logger;
}

type Sink = (level: string, component: string, msg: string, fields?: Record<string, unknown>) => void;

/** Builds a Logger writing through `sink`, dropping levels below `min`. */
export function createLogger(
  sink: Sink,
  min: 'debug' | 'info' | 'warn' | 'error' = 'info',
  component = 'skiff',
): Logger {
  const order = ['debug', 'info', 'warn', 'error'];
  const on = (l: string) => order.indexOf(l) >= order.indexOf(min);
  const make = (c: string): Logger => ({
    debug: (m, f) => on('debug') && sink('debug', c, m, f),
    info: (m, f) => on('info') && sink('info', c, m, f),
    warn: (m, f) => on('warn') && sink('warn', c, m, f),
    error: (m, f) => on('error') && sink('error', c, m, f),
    child: (sub) => make(sub),
  });
  return make(component);
}

/** A logger that drops everything (tests). */
export const silentLogger: Logger = createLogger(() => undefined, 'error');
