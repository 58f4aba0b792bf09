export declare const ROOT: string;
export declare const DIST: string;
/** Why the built bundle cannot be used, or undefined when it can. */
export declare function staleBundle(dist?: string): string | undefined;
