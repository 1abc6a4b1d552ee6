// Reception and device health as Home Assistant diagnostic entities of the metertap device, read
// from the `<base>/diag` record. Like the meter's entities, each has its own retained value topic.

export interface DiagEntity {
  key: string;
  name: string;
  component: "sensor" | "binary_sensor";
  unit?: string;
  deviceClass?: string;
  stateClass?: string;
  enabled: boolean;
  /** The payload from a diag record; undefined: this host does not report it (no entity). */
  value(d: Record<string, unknown>): string | null | undefined;
}

function field(key: string): (d: Record<string, unknown>) => string | null | undefined {
  return (d) => (d[key] === undefined ? undefined : d[key] === null ? null : String(d[key]));
}

function counter(key: string, name: string): DiagEntity {
  // Counters restart at boot: total_increasing takes a drop as a new cycle, not as negative frames.
  return { key, name, component: "sensor", stateClass: "total_increasing", enabled: true, value: field(key) };
}

export const DIAG_ENTITIES: readonly DiagEntity[] = [
  counter("frames", "Frames received"),
  counter("crc_errors", "CRC errors"),
  counter("key_errors", "Key errors"),
  counter("auth_errors", "Authentication errors"),
  counter("replay_errors", "Replay errors"),
  { key: "last_telegram", name: "Last telegram", component: "sensor", deviceClass: "timestamp", enabled: true, value: field("last_frame_at") },
  {
    key: "link", name: "Meter link", component: "binary_sensor", deviceClass: "connectivity", enabled: true,
    // The line to the meter as diag reports it: "up"/"down" or a boolean.
    value: (d) => (d.link === undefined ? undefined : d.link === true || d.link === "up" ? "ON" : "OFF"),
  },
  {
    key: "rssi", name: "Wi-Fi signal", component: "sensor", unit: "dBm", deviceClass: "signal_strength", stateClass: "measurement", enabled: true,
    value: (d) => field("rssi")((d.device ?? {}) as Record<string, unknown>),
  },
  { key: "heap", name: "Free heap", component: "sensor", unit: "B", deviceClass: "data_size", stateClass: "measurement", enabled: false, value: field("heap") },
  { key: "uptime", name: "Uptime", component: "sensor", unit: "s", deviceClass: "duration", enabled: false, value: field("uptime_s") },
];
