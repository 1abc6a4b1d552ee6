// Beyond loopback, `metertap run` advertises its HomeWizard API as `_hwenergy._tcp`: found by the
// independent client's own discovery, with HomeWizard's TXT facts and the API's serial.
import test from "ava";
import { join } from "node:path";
import { HomeWizardEnergyDiscovery, type DiscoveryResponse } from "@zandor300/homewizard-energy-api";
import { corpusDir } from "./helpers/corpus.js";
import { runWithPage } from "./helpers/run-web.js";

test("HomeWizard discovery finds metertap with the HWE-P1 TXT record", async (t) => {
  const mt = await runWithPage(["--source", `file:${join(corpusDir, "dsmr-ndokter-fluvius-v171.txt")},speed=4000`, "--loop"], "0.0.0.0:0");
  const discovery = new HomeWizardEnergyDiscovery();
  try {
    const serial = ((await (await fetch(mt.url + "api")).json()) as { serial: string }).serial;
    const found = await new Promise<DiscoveryResponse>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("not discovered within 20 s")), 20_000);
      discovery.start();
      discovery.on("response", (r) => {
        if (r.txt.serial !== serial) return;
        clearTimeout(timer);
        resolve(r);
      });
    });
    t.deepEqual({ ...found.txt }, { api_enabled: "1", path: "/api/v1", serial, product_name: "P1 meter", product_type: "HWE-P1" });
    t.regex(found.fqdn, /^metertap-[0-9a-f]{12}\._hwenergy\._tcp\.local$/);
  } finally {
    discovery.stop();
    await mt.stop();
  }
});
