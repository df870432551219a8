/**
 * Redis in a container through testcontainers, where a container runtime exists.
 * testcontainers is imported only when a runtime looks present: the import alone
 * costs most of a second, and a runtime-less machine needs it not at all.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { missingPackage } from '../optional.ts';

export const REDIS_IMAGE = 'redis:7';

export type ContainerRuntime = { available: true } | { available: false; reason: string };

export interface RedisContainer {
  host: string;
  port: number;
  id: string;
  stop(): Promise<void>;
}

/** Where testcontainers would look for a runtime; any one of these makes asking it worthwhile. */
function runtimeHints(env: NodeJS.ProcessEnv, exists: (path: string) => boolean): string[] {
  const files = ['/var/run/docker.sock', env.XDG_RUNTIME_DIR && join(env.XDG_RUNTIME_DIR, 'docker.sock'), join(homedir(), '.testcontainers.properties')];
  return [...(env.DOCKER_HOST ? [`DOCKER_HOST=${env.DOCKER_HOST}`] : []), ...files.filter((path): path is string => !!path && exists(path))];
}

/**
 * Is there a container runtime testcontainers can use? The cheap check first
 * (DOCKER_HOST, a docker socket, ~/.testcontainers.properties); then
 * testcontainers' own getContainerRuntimeClient(), whose error is the reason.
 */
export async function detectContainerRuntime(env: NodeJS.ProcessEnv = process.env, exists: (path: string) => boolean = existsSync): Promise<ContainerRuntime> {
  const hints = runtimeHints(env, exists);
  if (hints.length === 0) {
    return { available: false, reason: 'DOCKER_HOST is unset and /var/run/docker.sock does not exist' };
  }
  const missing = missingPackage('testcontainers', 'Redis in a container');
  if (missing) return { available: false, reason: `${missing.reason}; add it with: ${missing.enable}` };
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return { available: true };
  } catch (error) {
    return { available: false, reason: `testcontainers: ${(error as Error).message} (looked at ${hints.join(', ')})` };
  }
}

/** Starts redis:7; testcontainers' reaper (Ryuk) removes it should this process die before stop(). */
export async function startRedisContainer(): Promise<RedisContainer> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const container = await new GenericContainer(REDIS_IMAGE)
    .withExposedPorts(6379)
    .withCommand(['redis-server', '--save', '', '--appendonly', 'no'])
    .withWaitStrategy(Wait.forLogMessage('Ready to accept connections'))
    .withStartupTimeout(120_000)
    .start();
  return {
    host: container.getHost(),
    port: container.getMappedPort(6379),
    id: container.getId(),
    stop: async () => void (await container.stop()),
  };
}
