/** Bundles and gzips the tracker entry point; its minified and gzipped sizes in bytes. */
export function trackerSize(): Promise<{ minBytes: number; gzipBytes: number }>;
