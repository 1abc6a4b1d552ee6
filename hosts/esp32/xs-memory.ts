// XS's live memory (xs-memory.c): bytes of slots and chunks in use after a full collection.
// A collection takes a few milliseconds: for diagnostics, not for every telegram.
export const xsLiveBytes = (): number => native("xs_metertap_xs_live").call(undefined) as number;
