// A client that goes away mid-response must cost its connection only (sigpipe.c).
export const ignoreBrokenPipes = (): void => void native("xs_metertap_ignore_sigpipe").call(undefined);
