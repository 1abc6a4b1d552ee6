// The configuration page's logic (modules/web/settings.ts) and the Wi-Fi policy, on Node.
import test from "ava";
import { FIELDS, loadSettings, meterConfig, parseForm, parseMqttUrl, saveForm } from "../modules/web/settings.js";
import { Firmware } from "../modules/app/firmware.js";
import { WebApp } from "../modules/web/app.js";
import { zone } from "../modules/history/zones.js";
import type { KeyValueStore } from "../modules/ports/ports.js";

/** The page's settings routes over `store`, as the dongle serves them. */
function settingsRoutes(store: KeyValueStore) {
  const fw = new Firmware({ openSource: () => ({ read: () => undefined, close() {} }), clock: { now: () => 0 }, log: () => {} });
  const app = new WebApp({ firmware: fw, clock: { now: () => 0 }, zone: zone("UTC"), identity: { serial: "000000000000", firmwareVersion: "t" }, asset: () => undefined, settings: store, random: () => 0.25 });
  const get = () => JSON.parse(app.handle({ method: "GET", path: "/settings", query: {}, headers: {}, body: "" }).body as string);
  const post = (body: string) => {
    const r = app.handle({ method: "POST", path: "/settings", query: {}, headers: {}, body });
    return { status: r.status, ...JSON.parse(r.body as string) };
  };
  return { get, post };
}
import { WifiPolicy } from "../hosts/moddable/wifi-policy.js";
import { pemCertificates } from "../modules/web/pem.js";
import { makeTestPki } from "./mqtt/tls-certs.js";
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";

class MemoryStore {
  readonly map = new Map<string, string>();
  read(key: string) { return this.map.get(key); }
  write(key: string, value: string) {
    if (key.length > 15 || value.length > 4000) throw new RangeError("preference limits");
    this.map.set(key, value);
  }
  delete(key: string) { this.map.delete(key); }
}

test("every preference key fits the ESP32 limit of 15 characters", (t) => {
  for (const f of FIELDS) t.true(f.key.length <= 15 && ("clear_" + f.key).length <= 32, f.key);
});

test("a form is saved whole or not at all, and secrets are never shown back", (t) => {
  const store = new MemoryStore();
  const bad = saveForm(store, parseForm("ssid=Home&key_enc=1234&tz=Europe%2FAmsterdam")!);
  t.deepEqual(bad, { saved: [], cleared: [], errors: { key_enc: "must be 32 hex digits" } });
  t.is(store.map.size, 0, "nothing stored when a field is refused");

  const key = "00112233445566778899AABBCCDDEEFF";
  const ok = saveForm(store, parseForm(`ssid=My+Home&wifi_pw=correct+horse&mqtt_url=mqtts%3A%2F%2Fha.local&mqtt_user=meter&mqtt_pw=p%40ss%26word&key_enc=${key}&tz=Europe%2FAmsterdam`)!);
  t.deepEqual(ok.errors, {});
  t.deepEqual(loadSettings(store), {
    ssid: "My Home", wifi_pw: "correct horse", mqtt_url: "mqtts://ha.local", mqtt_user: "meter", mqtt_pw: "p@ss&word", key_enc: key, tz: "Europe/Amsterdam",
  });
  const view = JSON.stringify(settingsRoutes(store).get());
  for (const secret of ["correct horse", "p@ss&word", "p@ss\\u0026word", key, key.toLowerCase()]) t.false(view.includes(secret), secret);
  t.true(view.includes('"key":"ssid","label":"Wi-Fi network","group":"Wi-Fi","secret":false,"value":"My Home"'));
  t.true(view.includes('"key":"wifi_pw","label":"Wi-Fi password","group":"Wi-Fi","secret":true,"set":true'));

  // An empty secret keeps the stored one; clear_ removes it.
  saveForm(store, parseForm("wifi_pw=&ssid=Other")!);
  t.is(store.read("wifi_pw"), "correct horse");
  t.is(store.read("ssid"), "Other");
  saveForm(store, parseForm("clear_key_enc=on")!);
  t.is(store.read("key_enc"), undefined);
});

test("saving needs the form's token, and the command secret once one is set", (t) => {
  const store = new MemoryStore();
  const routes = settingsRoutes(store);
  const { csrf, authRequired } = routes.get();
  t.is(csrf.length, 24);
  t.false(authRequired);
  t.like(routes.post("rate_t1=0.3"), { status: 403, ok: false });
  t.like(routes.post(`rate_t1=0.3&csrf=${"5".repeat(24)}`), { status: 403 });
  t.like(routes.post(`rate_t1=0.3&cmd_secret=s1&csrf=${csrf}`), { status: 200, ok: true, saved: ["rate_t1", "cmd_secret"] });
  t.true(routes.get().authRequired);
  t.like(routes.post(`rate_t1=0.4&csrf=${csrf}`), { status: 403, message: "A command secret is set: enter it to save." });
  t.like(routes.post(`rate_t1=0.4&csrf=${csrf}&auth=s2`), { status: 403 });
  t.like(routes.post(`rate_t1=abc&csrf=${csrf}&auth=s1`), { status: 400, errors: { rate_t1: "a price ≥ 0, like 0.2731" } });
  t.like(routes.post(`rate_t1=0.4&csrf=${csrf}&auth=s1`), { status: 200, saved: ["rate_t1"] });
  t.is(store.read("rate_t1"), "0.4");
  t.false(JSON.stringify(routes.get()).includes("s1"));
});

test("form decoding refuses malformed escapes; MQTT URLs are parsed strictly", (t) => {
  t.is(parseForm("a=%E0%A4%A"), undefined);
  t.deepEqual(parseForm(""), {});
  t.deepEqual(parseMqttUrl("mqtt://10.0.0.2"), { host: "10.0.0.2", port: 1883, secure: false });
  t.deepEqual(parseMqttUrl("mqtts://ha.local:8884/"), { host: "ha.local", port: 8884, secure: true });
  t.true("error" in parseMqttUrl("mqtt://user:pw@host"), "credentials belong in their own fields");
  t.true("error" in parseMqttUrl("http://host"));
  t.true("error" in parseMqttUrl("mqtt://host:70000"));
  const store = new MemoryStore();
  t.deepEqual(saveForm(store, { mqtt_url: "mqtt://u:p@h" }).errors, { mqtt_url: "must be mqtt://host[:port] or mqtts://host[:port], without user or password" });
});

test("Wi-Fi: backoff doubles to the cap, resets on success; the portal opens without credentials or after a long failure", (t) => {
  const p = new WifiPolicy(true, { minBackoffMs: 1000, maxBackoffMs: 8000, portalAfterMs: 60_000 });
  p.start(0);
  const connects: number[] = [];
  for (let now = 0; now <= 70_000; now += 250) {
    const actions = p.tick(now);
    if (actions.includes("connect")) connects.push(now);
    if (actions.includes("open-portal")) t.is(now, 60_000, "portal after 60 s without a connection");
  }
  t.deepEqual(connects.slice(0, 6), [0, 1000, 3000, 7000, 15000, 23000]);
  t.true(p.portal);
  p.gotIP();
  t.deepEqual(p.tick(70_250), ["close-portal"]);
  t.false(p.portal);
  p.lostConnection(100_000);
  t.deepEqual(p.tick(100_000), [], "waits one (reset) backoff before retrying");
  t.deepEqual(p.tick(101_000), ["connect"]);

  const fresh = new WifiPolicy(false);
  fresh.start(0);
  t.deepEqual(fresh.tick(0), ["open-portal"], "no credentials: the portal at once, no connect");
  t.deepEqual(fresh.tick(10_000), []);
  fresh.credentialsChanged(true, 20_000);
  t.deepEqual(fresh.tick(20_000), ["connect"]);
});

test("the trusted CA: one PEM certificate is stored whole, with or without its line breaks, and its body is the certificate's DER", (t) => {
  const pki = makeTestPki();
  try {
    const store = new MemoryStore();
    const two = saveForm(store, { tls_ca: pki.caPem + pki.caPem });
    t.deepEqual(two.errors, { tls_ca: "one CA certificate only (the broker's root or issuing CA)" });
    t.deepEqual(saveForm(store, { tls_ca: "not a certificate" }).errors, { tls_ca: "paste one PEM certificate (-----BEGIN CERTIFICATE----- ...)" });
    // Pasted into an <input>, a browser drops the line breaks.
    const oneLine = pki.caPem.replace(/\n/g, "");
    t.deepEqual(saveForm(store, { tls_ca: oneLine }).errors, {});
    t.is(pemCertificates(store.read("tls_ca")!).length, 1);
    // As a textarea posts it: CRLF line ends, URL-encoded.
    const posted = `tls_ca=${encodeURIComponent(pki.caPem.replace(/\n/g, "\r\n"))}`;
    t.true(posted.length < 8192, "fits the page's form limit");
    t.deepEqual(saveForm(store, parseForm(posted)!).errors, {});
    const stored = store.read("tls_ca")!;
    t.true(stored.length <= 4000);
    const der = execFileSync("openssl", ["x509", "-in", pki.ca, "-outform", "DER"]);
    t.deepEqual(pemCertificates(stored).map((b) => Buffer.from(b, "base64")), [der]);
  } finally {
    rmSync(pki.dir, { recursive: true, force: true });
  }
});

test("the Moddable hosts' zone setting gives the decoder its standard offset (the core's one mapping)", (t) => {
  const offset = (tz: string | undefined) => {
    const store = new MemoryStore();
    if (tz) store.write("tz", tz);
    const logged: string[] = [];
    // What hosts/esp32/host.ts and hosts/moddable-sim/host.ts spread into their FirmwareConfig.
    const c = meterConfig(loadSettings(store), (l) => logged.push(l));
    return [c.timeZone, c.standardOffsetMinutes, logged.length];
  };
  t.deepEqual(offset(undefined), ["Europe/Amsterdam", 60, 0]);
  for (const tz of ["Europe/Dublin", "Europe/London", "Europe/Lisbon", "WET"]) t.deepEqual(offset(tz), [tz, 0, 0]);
  for (const tz of ["Europe/Helsinki", "Europe/Tallinn", "Europe/Riga", "Europe/Vilnius", "Europe/Athens", "EET"]) t.deepEqual(offset(tz), [tz, 120, 0]);
  t.deepEqual(offset("CET"), ["CET", 60, 0]);
  // A name stored before this check existed must not stop the dongle: the default, and a log line.
  t.deepEqual(offset("Mars/Olympus"), ["Europe/Amsterdam", 60, 1]);
  t.deepEqual(saveForm(new MemoryStore(), parseForm("tz=Mars%2FOlympus")!).errors.tz?.slice(0, 7), "one of ");
});
