// Loaded with `node --import ./bench/peak-rss.mjs …`: reports the process's peak RSS on exit
// through the file named by DOCKWARD_BENCH_RSS, so the benchmark can read it.
import { writeFileSync } from "node:fs";

const out = process.env.DOCKWARD_BENCH_RSS;
if (out) {
  process.on("exit", () => {
    writeFileSync(out, String(process.resourceUsage().maxRSS * 1024));
  });
}
