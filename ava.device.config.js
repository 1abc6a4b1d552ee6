// The device check (build, link, QEMU) on its own, after the other tests: QEMU feeds telegrams at
// a fixed rate, and a machine busy with the other test files slowed it enough to lose some.
export default {
  files: ["dist/test/device-check.test.js"],
  timeout: "40m",
  workerThreads: false,
};
