/**
 * What the process entry checks before it builds the app: the configuration, the emulator's
 * fault knobs and settings, and the data directory, reported together as one ConfigError, so an operator
 * sees every problem in one run and never a stack trace for a setting.
 */
import { accessSync, constants, mkdirSync } from 'node:fs';
import { ConfigError, parseConfig, resolveDataDir, ServerConfig } from './config';
import { FaultSettings, NO_FAULTS, parseFaultEnv } from './emulator/faults';
import { EmulatorSettings, parseSettingsEnv } from './emulator/settings';

type Env = Readonly<Record<string, string | undefined>>;

export interface StartUp {
  config: ServerConfig;
  /** The embedded emulator's fault knobs at start (EMULATOR_*). */
  emulatorFaults: FaultSettings;
  /** The embedded emulator's app-dependent answers at start (EMULATOR_OAUTH_IDENTITY, EMULATOR_FAIL_REASON). */
  emulatorSettings: EmulatorSettings;
}

const MAKE_DIR_FAILURES: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EEXIST: 'it exists and is not a directory',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EROFS: 'the file system is read-only',
};

/**
 * Creates DATA_DIR when it is missing, readable by this user only (0700: it holds the SQLite
 * files and, in emulator mode, the generated keys), and checks this process can write there.
 * An existing directory keeps the mode its owner gave it.
 * @returns the problem, or undefined when the directory is ready
 */
export function prepareDataDir(dataDir: string): string | undefined {
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    return `DATA_DIR: cannot create ${dataDir} (${MAKE_DIR_FAILURES[code] ?? code})`;
  }
  try {
    accessSync(dataDir, constants.W_OK | constants.X_OK);
  } catch {
    return `DATA_DIR: ${dataDir} is not writable by this process`;
  }
  return undefined;
}

/**
 * Everything the server needs to start, or a ConfigError listing every problem.
 * @param env usually `process.env`
 * @param repoRoot the repository root, for the default DATA_DIR
 * @throws ConfigError
 */
export function prepareStartUp(env: Env, repoRoot: string): StartUp {
  const problems: string[] = [];
  let config: ServerConfig | undefined;
  try {
    config = parseConfig(env, repoRoot);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }
  let emulatorFaults = NO_FAULTS;
  try {
    emulatorFaults = parseFaultEnv(env);
  } catch (error) {
    // parseFaultEnv stops at its first bad knob, with a message that names the variable.
    problems.push((error as Error).message);
  }
  const emulatorSettings = parseSettingsEnv(env, problems);
  const dataDirProblem = prepareDataDir(config?.dataDir ?? resolveDataDir(env, repoRoot));
  if (dataDirProblem !== undefined) problems.push(dataDirProblem);
  if (config === undefined || problems.length > 0) throw new ConfigError(problems);
  return { config, emulatorFaults, emulatorSettings };
}
