// Standard output closed by its reader (`gnt-instance list | head`): end quietly, as a
// program killed by SIGPIPE does (exit status 128 + 13), instead of Node's stack trace
// for the unhandled EPIPE. Node ignores SIGPIPE, so the write error is the only signal.
let installed = false;

export function quietOnClosedStdout(): void {
  if (installed) return;
  installed = true;
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(141);
    throw e;
  });
}
