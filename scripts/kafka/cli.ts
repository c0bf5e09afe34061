/**
 * `tsx scripts/kafka/cli.ts start|stop|status`: the developer's local broker, kept in the cache
 * so it survives this process and `stop` can find it from another shell.
 *
 * stdout carries only `KAFKA_BROKERS=host:port`, so `eval "$(npm run -s kafka:start)"` works;
 * progress and diagnostics go to stderr.
 */
import { KAFKA_VERSION, defaultRunDir, runningBroker, startBroker, stopBroker } from './local-broker.js';

const USAGE = `usage: tsx scripts/kafka/cli.ts start|stop|status

  start   start the local Kafka ${KAFKA_VERSION} broker (no-op when running), print KAFKA_BROKERS=...
  stop    stop it (no-op when not running)
  status  print KAFKA_BROKERS=... and exit 0 when running, exit 1 when not

environment: SENDLENS_KAFKA_PORT (19092), SENDLENS_KAFKA_CONTROLLER_PORT (19093),
             SENDLENS_CACHE_DIR (\${XDG_CACHE_HOME:-~/.cache}/sendlens)`;

function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new Error(`${name}=${raw} is not a TCP port`);
  return port;
}

async function start(dir: string): Promise<number> {
  const running = await runningBroker(dir);
  if (running) {
    console.error(`Kafka is already running (pid ${running.pid}, run dir ${dir}).`);
    console.log(`KAFKA_BROKERS=${running.bootstrap}`);
    return 0;
  }
  const started = Date.now();
  const broker = await startBroker({
    dir,
    port: portFromEnv('SENDLENS_KAFKA_PORT', 19092),
    controllerPort: portFromEnv('SENDLENS_KAFKA_CONTROLLER_PORT', 19093),
    log: (line) => console.error(line),
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.error(`Kafka ${KAFKA_VERSION} is up in ${seconds} s (pid ${broker.pid}); logs in ${dir}/logs.`);
  console.log(`KAFKA_BROKERS=${broker.bootstrap}`);
  return 0;
}

async function stop(dir: string): Promise<number> {
  const result = await stopBroker(dir);
  if (!result.stopped) console.error(`Kafka is not running (run dir ${dir}).`);
  else console.error(result.forced ? 'Kafka did not stop within 30 s and was killed.' : 'Kafka stopped.');
  return 0;
}

async function status(dir: string): Promise<number> {
  const running = await runningBroker(dir);
  if (!running) {
    console.error(`Kafka is not running (run dir ${dir}).`);
    return 1;
  }
  console.error(`Kafka is running (pid ${running.pid}, run dir ${dir}).`);
  console.log(`KAFKA_BROKERS=${running.bootstrap}`);
  return 0;
}

async function main(command: string | undefined): Promise<number> {
  const dir = defaultRunDir();
  switch (command) {
    case 'start':
      return start(dir);
    case 'stop':
      return stop(dir);
    case 'status':
      return status(dir);
    default:
      console.error(USAGE);
      return 2;
  }
}

try {
  process.exitCode = await main(process.argv[2]);
} catch (error) {
  console.error(`kafka: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
