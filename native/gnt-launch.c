/*
 * gnt-launch: starts a ganeti-ts command-line program in a few milliseconds.
 *
 * A Node.js process takes ~70 ms to start before it runs a line of ours, more than a
 * quarter of what Ganeti's Python `gnt-job list` takes in all. So this launcher hands the
 * command to a warm worker of the node's ganeti-clid (a Node process that has already
 * started) over a Unix socket. The worker reads this process's command line, environment
 * and working directory from /proc/<pid>/, runs the program, and sends back what it prints
 * (stdout and stderr, in order) and its exit code; this process writes the output to its
 * own descriptors, so redirections, pipes and terminals behave as for a direct start.
 *
 * A command that is not resident (only those that ask the master and print are, listed in
 * dist/cli-bundle/resident.txt), no ganeti-clid on this node, or no warm worker: the
 * program is started directly with node.
 *
 * Usage (from bin/<program>): gnt-launch <program> <bundle.cjs> [args...]
 * Protocol: see src/clid/protocol.ts.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static void direct(char **argv) {
  /* node <bundle> args...: argv[1] is the program, argv[2] the bundle. */
  const char *program = argv[1];
  unsetenv("NODE_EXTRA_CA_CERTS"); /* none of our programs uses the default trust store */
  argv[1] = "node";
  execvp("node", argv + 1);
  fprintf(stderr, "%s: cannot start node: %s\n", program, strerror(errno));
  exit(127);
}

/* Reads exactly n bytes; 0 at a clean end of the stream before any byte, -1 otherwise. */
static int read_full(int fd, char *buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, buf + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return got == 0 && r == 0 ? 0 : -1;
    got += (size_t)r;
  }
  return 1;
}

static int write_full(int fd, const char *buf, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, buf, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return -1;
    buf += w;
    n -= (size_t)w;
  }
  return 0;
}

/* One header line of the answer, without its newline; -1 if the stream ended or is garbled. */
static int read_line(int fd, char *line, size_t size) {
  size_t n = 0;
  for (;;) {
    if (n + 1 >= size) return -1;
    int r = read_full(fd, line + n, 1);
    if (r != 1) return -1;
    if (line[n] == '\n') {
      line[n] = '\0';
      return 0;
    }
    n++;
  }
}

/* Whether "PROGRAM SUBCOMMAND" is listed in resident.txt beside the bundle (written by
 * scripts/bundle-cli.mjs from the command tables): only those go to ganeti-clid, so the
 * others cost nothing more than before. */
static int resident(const char *program, const char *bundle, const char *subcommand) {
  char path[4096], want[256], list[16384];
  const char *slash = strrchr(bundle, '/');
  int dir = slash == NULL ? 0 : (int)(slash - bundle + 1);
  if (snprintf(path, sizeof path, "%.*sresident.txt", dir, bundle) >= (int)sizeof path) return 0;
  if (snprintf(want, sizeof want, "\n%s %s\n", program, subcommand) >= (int)sizeof want) return 0;
  FILE *f = fopen(path, "re");
  if (f == NULL) return 0;
  list[0] = '\n';
  size_t n = fread(list + 1, 1, sizeof list - 2, f);
  fclose(f);
  list[n + 1] = '\0';
  return strstr(list, want) != NULL;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: gnt-launch PROGRAM BUNDLE [ARGS...]\n");
    return 2;
  }
  if (getenv("GANETI_CLI_DIRECT") != NULL || argc < 4 || !resident(argv[1], argv[2], argv[3])) direct(argv);

  const char *root = getenv("GANETI_ROOT");
  if (root == NULL || root[0] == '\0') root = "/";
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  int n = snprintf(addr.sun_path, sizeof addr.sun_path, "%s%svar/run/ganeti/socket/ganeti-clid", root,
                   root[strlen(root) - 1] == '/' ? "" : "/");
  if (n < 0 || (size_t)n >= sizeof addr.sun_path) direct(argv);

  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0 || connect(s, (struct sockaddr *)&addr, sizeof addr) != 0) direct(argv);

  /* Which of our streams are terminals, and the terminal's width, for the program's own
   * isatty checks (Node's process.stdout.isTTY and .columns). */
  struct winsize ws = {0};
  int cols = 0;
  for (int fd = 1; fd <= 2 && cols == 0; fd++)
    if (isatty(fd) && ioctl(fd, TIOCGWINSZ, &ws) == 0) cols = ws.ws_col;
  char req[96];
  int len = snprintf(req, sizeof req, "ganeti-clid 1 %ld %d%d%d %d\n", (long)getpid(), isatty(0), isatty(1),
                     isatty(2), cols);
  if (write_full(s, req, (size_t)len) != 0) direct(argv);

  char line[64], buf[65536];
  for (int first = 1;; first = 0) {
    if (read_line(s, line, sizeof line) != 0) {
      if (first) { /* the worker died before it started: nothing ran yet */
        close(s);
        direct(argv);
      }
      fprintf(stderr, "%s: the command's worker process ended without an exit code\n", argv[1]);
      return 1;
    }
    int code;
    unsigned long size;
    char stream;
    if (first && strcmp(line, "direct") == 0) {
      close(s);
      direct(argv);
    } else if (sscanf(line, "exit %d", &code) == 1) {
      return code;
    } else if (sscanf(line, "%c %lu", &stream, &size) == 2 && (stream == '1' || stream == '2')) {
      /* Output for stdout (1) or stderr (2): copied as it comes. A closed pipe (`| head`)
       * ends this process with SIGPIPE, or exit status 141 where SIGPIPE is ignored: as
       * the program itself ends. */
      while (size > 0) {
        size_t chunk = size < sizeof buf ? size : sizeof buf;
        if (read_full(s, buf, chunk) != 1) {
          fprintf(stderr, "%s: the command's worker process ended without an exit code\n", argv[1]);
          return 1;
        }
        if (write_full(stream - '0', buf, chunk) != 0) return errno == EPIPE ? 141 : 1;
        size -= chunk;
      }
    } else {
      fprintf(stderr, "%s: garbled answer from ganeti-clid: %s\n", argv[1], line);
      return 1;
    }
  }
}
