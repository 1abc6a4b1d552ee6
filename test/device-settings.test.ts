// The configuration page's logic (hosts/moddable/settings.ts) and the Wi-Fi policy, on Node.
import test from "ava";
import { FIELDS, loadSettings, parseForm, parseMqttUrl, renderPage, saveForm } from "../modules/web/settings.js";
import { WifiPolicy } from "../hosts/moddable/wifi-policy.js";

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
  const page = renderPage(loadSettings(store), { frames: 3 });
  for (const secret of ["correct horse", "p@ss&amp;word", "p@ss&word", key, key.toLowerCase()]) t.false(page.includes(secret), secret);
  t.true(page.includes('value="My Home"'));
  t.true(page.includes("(set: leave empty to keep)"));

  // An empty secret keeps the stored one; clear_ removes it.
  saveForm(store, parseForm("wifi_pw=&ssid=Other")!);
  t.is(store.read("wifi_pw"), "correct horse");
  t.is(store.read("ssid"), "Other");
  saveForm(store, parseForm("clear_key_enc=on")!);
  t.is(store.read("key_enc"), undefined);
});

test("the page escapes what it shows", (t) => {
  const page = renderPage({ ssid: `"><script>x</script>` }, { line: "<b>" });
  t.false(page.includes("<script>x"));
  t.true(page.includes("&#34;&#62;&#60;script&#62;"));
  t.false(page.includes("<td><b></td>"));
});

test("a command secret, when set, is asked for on the page", (t) => {
  t.false(renderPage({}, {}).includes('name="auth"'));
  t.true(renderPage({ cmd_secret: "s" }, {}).includes('name="auth"'));
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
