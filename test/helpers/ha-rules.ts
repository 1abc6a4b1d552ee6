// Home Assistant's rules for MQTT-discovered sensors, transcribed from its source so the tests
// hold our discovery payloads to them:
// - home-assistant/core homeassistant/components/sensor/const.py at commit
//   00eb6680fbf6bdf7af2499095f2e74fca980a148 (DEVICE_CLASS_UNITS, DEVICE_CLASS_STATE_CLASSES,
//   NON_NUMERIC_DEVICE_CLASSES; a 2025 release before 2025.6, which added `reactive_energy`);
// - homeassistant/components/mqtt/sensor.py of the same period: _PLATFORM_SCHEMA_BASE and
//   validate_sensor_state_and_device_class_config (`options` only with device class `enum` and
//   without unit or state class); discovery drops unknown keys (vol.REMOVE_EXTRA), so an unknown
//   key is a silent mistake;
// - homeassistant/const.py EntityCategory: sensors may only be `diagnostic`.
// Only the device classes metertap could use are listed; an unlisted one fails the check.

const ENERGY = ["J", "kJ", "MJ", "GJ", "mWh", "Wh", "kWh", "MWh", "GWh", "TWh", "cal", "kcal", "Mcal", "Gcal"];
const ALL_STATE_CLASSES = ["measurement", "total", "total_increasing"];

export const DEVICE_CLASS_UNITS: Record<string, (string | null)[]> = {
  energy: ENERGY,
  gas: ["CCF", "ft³", "m³"],
  water: ["CCF", "ft³", "m³", "gal", "L"],
  volume: ["mL", "L", "m³", "ft³", "CCF", "fl. oz.", "gal"],
  power: ["W", "kW", "MW", "GW", "TW"],
  voltage: ["V", "mV", "µV", "kV", "MV"],
  current: ["A", "mA"],
  reactive_power: ["var"],
  signal_strength: ["dB", "dBm"],
  data_size: ["bit", "kbit", "Mbit", "Gbit", "B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"],
  duration: ["d", "h", "min", "s", "ms"],
  monetary: [], // any ISO 4217 code, checked below
  enum: [null],
  timestamp: [null],
};

export const DEVICE_CLASS_STATE_CLASSES: Record<string, string[]> = {
  energy: ["total", "total_increasing"],
  gas: ["total", "total_increasing"],
  water: ["total", "total_increasing"],
  volume: ["total", "total_increasing"],
  power: ["measurement"],
  voltage: ["measurement"],
  current: ["measurement"],
  reactive_power: ["measurement"],
  signal_strength: ["measurement"],
  data_size: ALL_STATE_CLASSES,
  duration: ALL_STATE_CLASSES,
  monetary: ["total"],
  enum: [],
  timestamp: [],
};

const NON_NUMERIC = new Set(["date", "enum", "timestamp"]);
const BINARY_DEVICE_CLASSES = new Set(["connectivity", "problem", "running", "power", "plug"]);

const COMMON_KEYS = [
  "name", "unique_id", "state_topic", "availability_topic", "payload_available", "payload_not_available",
  "device", "device_class", "entity_category", "enabled_by_default", "expire_after", "force_update", "icon",
  "qos", "value_template", "json_attributes_topic", "availability", "availability_mode", "default_entity_id", "object_id",
];
const SENSOR_KEYS = new Set([...COMMON_KEYS, "unit_of_measurement", "state_class", "suggested_display_precision", "options", "last_reset_value_template"]);
const BINARY_KEYS = new Set([...COMMON_KEYS, "payload_on", "payload_off", "off_delay"]);

/** What is wrong with one discovery config, by Home Assistant's rules; empty when none. */
export function violations(component: string, c: Record<string, any>): string[] {
  const out: string[] = [];
  const allowed = component === "binary_sensor" ? BINARY_KEYS : SENSOR_KEYS;
  for (const k of Object.keys(c)) if (!allowed.has(k)) out.push(`unknown key ${k} (dropped by discovery)`);
  if (typeof c.unique_id !== "string" || !c.unique_id) out.push("no unique_id");
  if (typeof c.state_topic !== "string" || !c.state_topic) out.push("no state_topic");
  if (!(c.name === null || (typeof c.name === "string" && c.name))) out.push("name must be a string or null");
  if (c.entity_category !== undefined && c.entity_category !== "diagnostic") out.push(`entity_category ${c.entity_category}`);
  const dc: string | undefined = c.device_class;
  if (component === "binary_sensor") {
    if (dc !== undefined && !BINARY_DEVICE_CLASSES.has(dc)) out.push(`binary device_class ${dc}`);
    return out;
  }
  const unit: string | null = c.unit_of_measurement ?? null;
  const sc: string | undefined = c.state_class;
  if (sc !== undefined && !ALL_STATE_CLASSES.includes(sc)) out.push(`state_class ${sc}`);
  if (dc !== undefined) {
    const units = DEVICE_CLASS_UNITS[dc];
    if (!units) out.push(`device_class ${dc} not in the rule table`);
    else if (dc === "monetary" ? !/^[A-Z]{3}$/.test(unit ?? "") : !units.includes(unit)) out.push(`unit ${unit} not allowed for ${dc}`);
    if (sc !== undefined && !(DEVICE_CLASS_STATE_CLASSES[dc] ?? []).includes(sc)) out.push(`state_class ${sc} not allowed for ${dc}`);
  }
  if (c.options !== undefined) {
    if (!Array.isArray(c.options) || !c.options.length) out.push("empty options");
    if (sc !== undefined || unit !== null) out.push("options with a unit or state class");
    if (dc !== "enum") out.push("options without device class enum");
  }
  if (dc === "enum" && c.options === undefined) out.push("enum without options");
  if (c.suggested_display_precision !== undefined) {
    if (!Number.isInteger(c.suggested_display_precision) || c.suggested_display_precision < 0) out.push("suggested_display_precision must be an integer ≥ 0");
    if (dc && NON_NUMERIC.has(dc)) out.push("suggested_display_precision on a non-numeric sensor");
  }
  return out;
}
