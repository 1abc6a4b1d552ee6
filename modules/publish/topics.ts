// MQTT topic names: `<prefix>/<device>/...`. One place, so the README table and the code agree.

export const PROFILE_STREAMS = ["quarter-hour", "daily", "monthly", "max-demand", "voltage"] as const;
export type ProfileStream = (typeof PROFILE_STREAMS)[number];

/** A topic level from free text (a meter id, a MAC): MQTT wildcards and separators cannot appear. */
export function topicLevel(text: string): string {
  const s = text.replace(/[^A-Za-z0-9_-]+/g, "_").replace(/^_+|_+$/g, "");
  return s.slice(0, 48) || "unknown";
}

export class Topics {
  readonly base: string;
  // Made once: the state and value topics are asked for with every telegram.
  readonly state: string;
  private readonly valuePrefix: string;

  constructor(prefix: string, readonly deviceId: string, readonly discoveryPrefix = "homeassistant") {
    this.base = `${prefix.replace(/\/+$/, "")}/${deviceId}`;
    this.state = `${this.base}/state`;
    this.valuePrefix = `${this.base}/value/`;
  }

  get status(): string { return `${this.base}/status`; }
  get event(): string { return `${this.base}/event`; }
  get diag(): string { return `${this.base}/diag`; }
  /** The meter link, retained `up` or `down` (the HA connectivity binary_sensor reads it). */
  get link(): string { return `${this.base}/link`; }
  /** Subscription filter for commands: `<base>/cmd/<name>`. */
  get commands(): string { return `${this.base}/cmd/#`; }
  get commandPrefix(): string { return `${this.base}/cmd/`; }
  get response(): string { return `${this.base}/response`; }
  /** Home Assistant's birth/will topic. */
  get haStatus(): string { return `${this.discoveryPrefix}/status`; }

  profile(stream: string): string { return `${this.base}/profile/${stream}`; }
  value(key: string): string { return this.valuePrefix + key; }
  discovery(component: string, objectId: string): string {
    return `${this.discoveryPrefix}/${component}/${this.deviceId}/${objectId}/config`;
  }
}
