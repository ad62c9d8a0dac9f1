/**
 * One JSON line per event, which CloudWatch Logs Insights can query. Callers pass only what is safe to
 * log: never tokens, passwords or raw request bodies.
 */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const jsonLogger: Logger = {
  info: (message, fields) => write('INFO', message, fields),
  warn: (message, fields) => write('WARN', message, fields),
  error: (message, fields) => write('ERROR', message, fields),
};

export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };

function write(level: string, message: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ level, message, ...fields }, (_key, value: unknown) =>
    value instanceof Error ? { name: value.name, message: value.message } : value,
  );
  if (level === 'ERROR') console.error(line);
  else console.log(line);
}
