/** The flags every Chromium this project launches gets. */
export declare const CHROMIUM_ARGS: readonly string[];

/** Paths tried after the environment variables, in order. */
export declare const CHROMIUM_CANDIDATES: readonly string[];

/**
 * The Chromium executable to use, or undefined when none is installed.
 * `FLAMINGO_CHROMIUM`, then `CHROMIUM_PATH`, then {@link CHROMIUM_CANDIDATES}.
 *
 * @throws Error when an environment variable names a path that does not exist.
 *
 * @example
 * findChromium(); // "/usr/bin/chromium"
 */
export declare function findChromium(env?: NodeJS.ProcessEnv): string | undefined;
