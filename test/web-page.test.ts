// The local page in a real browser (Debian's chromium through puppeteer-core) against
// `metertap run` on a recorded history and a live capture: live values change, every chart has
// the history's number of points, totals are the history's sums, settings round-trip without
// showing a secret. Screenshots of each view go to test-artifacts/ for a person to look at.
import test from "ava";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { runWithPage, type RunningMetertap } from "./helpers/run-web.js";
import { recordHistory, type RecordedHistory } from "./helpers/recorded-history.js";
import { FileFlash } from "../hosts/node/flash-file.js";
import { History, type BillingRecord } from "../modules/history/history.js";

const artifacts = fileURLToPath(new URL("../../test-artifacts/", import.meta.url));
const SECRET = "s3cret-Do-Not-Show";

let mt: RunningMetertap;
let rec: RecordedHistory;
let browser: Browser;
/** The history as recorded, read from the image before metertap opens it. */
let recorded: History;

test.before(async () => {
  mkdirSync(artifacts, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), "metertap-page-"));
  rec = recordHistory(dir);
  recorded = new History(FileFlash.open(rec.image).clone(), { now: () => rec.end }, { timeZone: "Europe/Amsterdam" });
  // About one telegram a second, as the meter sends them.
  mt = await runWithPage(["--source", `file:${rec.capture},speed=900`, "--flash", rec.image, "--command-secret", SECRET]);
  browser = await puppeteer.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", `--user-data-dir=${mkdtempSync(join(tmpdir(), "chromium-"))}`],
  });
});

test.after.always(async () => {
  await browser?.close();
  await mt?.stop();
});

async function open(view: string): Promise<Page> {
  const page = await browser.newPage();
  await page.setViewport({ width: 1100, height: 900 });
  page.on("pageerror", (e) => {
    throw e;
  });
  await page.goto(mt.url + "#" + view);
  return page;
}

const text = (page: Page, selector: string) => page.$eval(selector, (e) => e.textContent ?? "");

test.serial("live: values arrive over Server-Sent Events and change with each telegram", async (t) => {
  const page = await open("live");
  await page.waitForFunction(`document.querySelector('[data-k="time"]').textContent !== "–"`, { timeout: 60_000 });
  const first = await text(page, '[data-k="time"]');
  await page.waitForFunction(`document.querySelector('[data-k="time"]').textContent !== ${JSON.stringify(first)}`, { timeout: 30_000 });
  t.not(await text(page, '[data-k="time"]'), first);
  t.regex(await text(page, "#meter"), /DSMR meter E0034006810516416/);
  // The generator's voltage follows the time of day; 230.0 V shows as "230".
  t.regex(await text(page, "#phases"), /Voltage V\s*2\d\d(\.\d)?\s*2\d\d/);
  t.regex(await text(page, "#registers"), /gas 1\s*[\d,]+\.\d+ m3/);
  t.regex(await text(page, "#mqtt"), /MQTT connected/);
  // The live import or export shown is the one the API serves for the same telegram.
  const live = (await (await fetch(mt.url + "live")).json()) as { reading: { power: { import: unknown } } };
  t.is(typeof live.reading.power.import, "number");
  await page.screenshot({ path: join(artifacts, "live.png") });
  await page.close();
});

test.serial("history: each chart has the recorded history's points", async (t) => {
  const page = await open("history");
  await page.waitForFunction("window.metertapCharts && window.metertapCharts.voltage", { timeout: 30_000 });
  const counts = (await page.evaluate("Object.fromEntries(Object.entries(window.metertapCharts).map(([k, u]) => [k, u.data[0].length]))")) as Record<string, number>;
  const ref = Date.parse(((await (await fetch(mt.url + "live")).json()) as { reading: { time: string } }).reading.time);
  const count = (stream: "quarter-hour" | "daily" | "voltage", from: number) => [...recorded.query(stream, from)].length;
  t.is(counts.quarterHour, count("quarter-hour", ref - 48 * 3_600_000));
  t.true(counts.quarterHour >= 191 && counts.quarterHour <= 192, String(counts.quarterHour));
  t.is(counts.voltage, count("voltage", ref - 48 * 3_600_000));
  t.is(counts.daily, count("daily", ref - 396 * 86_400_000));
  t.true(counts.daily >= 395, String(counts.daily));
  // 13 closed months and this month's running peak.
  t.is(counts.monthly, 14);
  // Each month's maximum demand is the recorded max-demand record (kW), this month's the running peak.
  const peaks = [...recorded.query("max-demand")].map((r) => (r.stream === "max-demand" ? r.powerW / 1000 : NaN));
  const shown = (await page.evaluate("window.metertapCharts.monthly.data[2]")) as (number | null)[];
  t.deepEqual(shown.slice(0, 13), peaks.slice(-13));
  t.true(typeof shown[13] === "number" && shown[13] > 0);
  t.regex(await text(page, "#peak-now"), /\d+\.\d+ kW at /);
  t.true((await page.$$("#events tbody tr")).length >= 1);
  await page.screenshot({ path: join(artifacts, "history.png"), fullPage: true });
  await page.close();
});

test.serial("totals: the table holds the history's sums, priced with the saved rates", async (t) => {
  const page = await open("settings");
  await page.waitForSelector("#f-rate_t1");
  t.truthy(await page.$("#f-auth"), "a command secret is set: the form asks for it");
  await page.type("#f-rate_t1", "0.30");
  await page.type("#f-rate_t2", "0.25");
  await page.type("#f-rate_exp", "0.08");
  await page.type("#f-rate_gas", "1.25");
  await page.type("#f-rate_day", "0.60");
  await page.$eval("#f-currency", (e) => ((e as unknown as { value: string }).value = "EUR"));
  // Without the secret nothing is saved.
  await page.click("#settings-form button");
  await page.waitForFunction(`/command secret/.test(document.querySelector("#settings-msg").textContent)`);
  t.is(await page.$eval("#f-rate_t1", (e) => (e as unknown as { value: string }).value), "");
  await page.type("#f-rate_t1", "0.30");
  await page.type("#f-rate_t2", "0.25");
  await page.type("#f-rate_exp", "0.08");
  await page.type("#f-rate_gas", "1.25");
  await page.type("#f-rate_day", "0.60");
  await page.$eval("#f-currency", (e) => ((e as unknown as { value: string }).value = "EUR"));
  await page.type("#f-auth", SECRET);
  await page.click("#settings-form button");
  await page.waitForFunction(`/^Saved /.test(document.querySelector("#settings-msg").textContent)`);
  await page.reload();
  await page.waitForSelector("#f-rate_t1");
  t.is(await page.$eval("#f-rate_t1", (e) => (e as unknown as { value: string }).value), "0.30");
  t.is(await page.$eval("#f-currency", (e) => (e as unknown as { value: string }).value), "EUR");
  t.false((await page.content()).includes(SECRET), "the secret is never shown back");
  await page.screenshot({ path: join(artifacts, "settings.png"), fullPage: true });

  await page.goto(mt.url + "#totals");
  await page.waitForSelector('#totals-table tr[data-period="year"]');
  const row = (p: string) => page.$$eval(`#totals-table tr[data-period="${p}"] td`, (tds) => tds.map((td) => td.textContent ?? ""));
  const num = (s: string) => Number(s.replace(/[^\d.-]/g, ""));
  const yesterday = await row("yesterday");
  const ref = Date.parse(((await (await fetch(mt.url + "live")).json()) as { reading: { time: string } }).reading.time);
  const days = [...recorded.query("daily")] as BillingRecord[];
  const y = days.find((d) => d.end <= ref && ref - d.end < 86_400_000)!;
  t.truthy(y, "yesterday is a recorded day");
  t.is(num(yesterday[0]), Math.round(y.delta["+A"]) / 1000);
  t.is(num(yesterday[1]), Math.round(y.delta["-A"]) / 1000);
  t.is(num(yesterday[2]), Math.round(y.delta["G"]) / 1000);
  const cost = (y.delta["+A.T1"] / 1000) * 0.3 + (y.delta["+A.T2"] / 1000) * 0.25 - (y.delta["-A"] / 1000) * 0.08 + (y.delta["G"] / 1000) * 1.25 + 0.6;
  t.is(yesterday[3], `EUR ${cost.toFixed(2)}`);
  // This year: every closed day of the year, plus today as shown.
  const today = await row("today");
  const yearStart = Date.UTC(new Date(ref).getUTCFullYear(), 0, 1) - 3_600_000;
  const closed = days.filter((d) => d.start >= yearStart && d.end <= ref).reduce((s, d) => s + d.delta["+A"], 0);
  const year = await row("year");
  t.true(Math.abs(num(year[0]) - (closed / 1000 + num(today[0]))) < 0.0015, `${year[0]} vs ${closed / 1000} + ${today[0]}`);
  await page.screenshot({ path: join(artifacts, "totals.png") });
  await page.close();
});

test.serial("diagnostics: counters, the last frame as text and hex, downloads of each stream", async (t) => {
  const page = await open("diag");
  await page.waitForSelector("#downloads li");
  t.regex(await text(page, "#counters"), /frames\s*\d+/);
  t.regex(await text(page, "#frame-text"), /^\/ISK5\\2M550T-1011/);
  t.regex(await text(page, "#frame-hex"), /^2f49534b35/);
  const links = await page.$$eval("#downloads a", (as) => as.map((a) => (a as unknown as { href: string }).href));
  t.is(links.length, 12);
  const csv = await (await fetch(links.find((l) => l.includes("daily.csv"))!)).text();
  t.is(csv.trim().split("\n").length, [...recorded.query("daily")].length + 1 + 0, "one line per recorded day and a header");
  t.false((await page.content()).includes(SECRET));
  await page.screenshot({ path: join(artifacts, "diagnostics.png"), fullPage: true });
  await page.close();
});
