// Ganeti's AskUser: "y/[n]/?" questions on the terminal; without a terminal the answer is no.
import { createInterface } from "node:readline/promises";

export async function confirm(text: string): Promise<boolean> {
  if (!process.stdin.isTTY) {
    process.stderr.write(`${text}\nNo terminal to ask on: not confirmed (use --force/--yes to proceed)\n`);
    return false;
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    for (;;) {
      const a = (await rl.question(`${text}\ny/[n]/?: `)).trim().toLowerCase();
      if (a === "y" || a === "yes") return true;
      if (a === "" || a === "n" || a === "no") return false;
      process.stdout.write("y - Perform the operation\nn - Do not perform the operation\n");
    }
  } finally {
    rl.close();
  }
}
