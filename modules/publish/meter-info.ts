// The meter's maker and model from what the meter itself sends: the DSMR identification line
// (`/ISk5\2MT382-1000`), the OBIS list version of Nordic HAN lists (`AIDON_V0001`, `KFM_001`), the
// meter type (0-0:96.1.7) or the COSEM logical device name (0-0:42.0.0), whose first three letters
// are the maker's FLAG id.
import type { Reading } from "../reading/model.js";
import type { MeterInfo } from "./discovery.js";

// FLAG ids (DLMS UA manufacturer codes) and list-version prefixes of meters seen in the field.
const MAKERS: Record<string, string> = {
  AID: "Aidon",
  AIDON: "Aidon",
  EMH: "EMH",
  ELS: "Elster",
  ISK: "Iskra",
  ITF: "Itron",
  KAM: "Kamstrup",
  KMP: "Kamstrup",
  KAMSTRUP: "Kamstrup",
  KFM: "Kaifa",
  LGB: "Landis+Gyr",
  LGZ: "Landis+Gyr",
  SAG: "Sagemcom",
  XMX: "Xemex",
  DZG: "DZG",
  HLY: "Holley",
  EBZ: "eBZ",
  ESY: "EasyMeter",
};

function text(r: Reading, key: string): string | undefined {
  const v = r.values[key]?.value;
  return typeof v === "string" && v.trim() ? v.trim() : undefined;
}

function maker(code: string): string | undefined {
  return MAKERS[code.toUpperCase()];
}

function dsmr(id: string): MeterInfo {
  // XXX5 then an optional `\N` baud-rate mark, then the meter's own type text.
  const m = /^([A-Za-z]{3})\d(?:\\+\w)?\s*(.*)$/.exec(id);
  if (!m) return {};
  const out: MeterInfo = {};
  const make = maker(m[1]);
  if (make) out.manufacturer = make;
  if (m[2]) out.model = m[2].trim();
  return out;
}

const SOURCES = ["1-1:0.2.129", "1-0:0.2.129", "0-0:42.0.0", "0-0:96.1.7"];

/**
 * Whether `meterInfo` would read `r` as it read `previous`: the same identification line and
 * meter id, and the very same entries (a DSMR stream shares an unchanged line's entry from one
 * telegram to the next). The firmware then skips it: it runs for every telegram.
 */
export function sameMeterInfoSource(r: Reading, previous: Reading | null): boolean {
  if (!previous || r.identification !== previous.identification || r.meterId !== previous.meterId) return false;
  for (let i = 0; i < SOURCES.length; i++) if (r.values[SOURCES[i]] !== previous.values[SOURCES[i]]) return false;
  return true;
}

export function meterInfo(r: Reading): MeterInfo {
  const out: MeterInfo = r.identification ? dsmr(r.identification) : {};
  if (!out.manufacturer) {
    const list = text(r, SOURCES[0]) ?? text(r, SOURCES[1]);
    const logical = text(r, SOURCES[2]);
    const make = (list && maker(list.split("_")[0])) ?? (logical && maker(logical.slice(0, 3)));
    if (make) out.manufacturer = make;
  }
  const type = text(r, SOURCES[3]);
  if (!out.model && type) out.model = type;
  if (r.meterId) out.serial = r.meterId;
  return out;
}
