// Loaded with --require into a benchmarked process: prints its peak RSS at exit.
process.on("exit", () => {
  process.stderr.write(`homedock-bench-rss-kib ${process.resourceUsage().maxRSS}\n`);
});
