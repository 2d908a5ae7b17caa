// Types of scripts/build.mjs, for the tests' global setup.
/** Builds dist/ from scratch; with `tolerateTypeErrors`, a type error is printed rather than thrown. */
export declare function build(options?: { readonly tolerateTypeErrors?: boolean }): Promise<void>
