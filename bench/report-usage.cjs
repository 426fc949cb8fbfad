// Loaded with --require into a benchmarked process: prints its peak RSS and the CPU
// time of all its threads at exit.
process.on("exit", () => {
  const { maxRSS, userCPUTime, systemCPUTime } = process.resourceUsage();
  process.stderr.write(`homedock-bench-usage rss-kib=${maxRSS} cpu-us=${userCPUTime + systemCPUTime}\n`);
});
