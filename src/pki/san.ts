import { isIP } from "node:net";
import { DockwardError } from "../errors.js";

/**
 * subjectAltName entries as a user writes them (`DNS:docker.example.com`, `IP:10.0.0.5`) and as
 * Go's TLS checks them: the docker CLI ignores the CN since 20.10, so every name and address a
 * client dials must be here. Pure.
 */
export interface SubjectAltName {
  type: "dns" | "ip";
  value: string;
}

/** Always on a server certificate: the daemon is dialled locally too (`-H tcp://127.0.0.1`). */
export const DEFAULT_SERVER_SANS: readonly SubjectAltName[] = [
  { type: "dns", value: "localhost" },
  { type: "ip", value: "127.0.0.1" },
];

// RFC 1123 labels; a leading `*.` wildcard is allowed for the leftmost label only
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

function badSan(text: string, why: string): DockwardError {
  return new DockwardError("BAD_INPUT", `invalid --san ${JSON.stringify(text)}: ${why}`, {
    hint: "write DNS:host.example.com or IP:10.0.0.5 (IPv6: IP:fd00::5)",
  });
}

/** Parse one `--san` value; throws a BAD_INPUT DockwardError that names it. */
export function parseSan(text: string): SubjectAltName {
  const colon = text.indexOf(":");
  if (colon === -1) throw badSan(text, "it has no type prefix");
  const kind = text.slice(0, colon).trim().toUpperCase();
  const value = text.slice(colon + 1).trim();
  if (value === "") throw badSan(text, "the value is empty");
  if (kind === "IP") {
    // brackets are how a URL writes an IPv6 address; the SAN holds the bare address
    const bare = value.startsWith("[") && value.endsWith("]") ? value.slice(1, -1) : value;
    if (isIP(bare) === 0)
      throw badSan(text, `${JSON.stringify(value)} is not an IPv4 or IPv6 address`);
    return { type: "ip", value: canonicalIp(bare) };
  }
  if (kind === "DNS") {
    const name = value.toLowerCase().replace(/\.$/, "");
    if (isIP(name) !== 0)
      throw badSan(text, "an IP address must be written IP:…, Go clients never match it as DNS");
    if (name.length > 253) throw badSan(text, "a DNS name has at most 253 characters");
    const labels = name.split(".");
    labels.forEach((label, i) => {
      if (i === 0 && label === "*" && labels.length > 2) return;
      if (!LABEL.test(label))
        throw badSan(
          text,
          `label ${JSON.stringify(label)} is not a DNS label (letters, digits, inner hyphens; a wildcard only as "*." before two labels)`,
        );
    });
    return { type: "dns", value: name };
  }
  throw badSan(
    text,
    `unknown type ${JSON.stringify(kind)} (only DNS and IP are used by Docker clients)`,
  );
}

/** `::ffff:0:1` and `0:0::1` are one address; compare in one spelling. */
function canonicalIp(address: string): string {
  if (isIP(address) === 4)
    return address
      .split(".")
      .map((o) => String(Number(o)))
      .join(".");
  try {
    // WHATWG URL serialises IPv6 in RFC 5952 form
    return new URL(`http://[${address}]/`).hostname.slice(1, -1);
  } catch {
    return address.toLowerCase();
  }
}

export function formatSan(san: SubjectAltName): string {
  return `${san.type === "dns" ? "DNS" : "IP"}:${san.value}`;
}

/** The server's SANs: the defaults first, then the given ones, without duplicates. */
export function serverSans(given: readonly SubjectAltName[]): SubjectAltName[] {
  const out: SubjectAltName[] = [];
  for (const san of [...DEFAULT_SERVER_SANS, ...given]) {
    if (!out.some((o) => o.type === san.type && o.value === san.value)) out.push(san);
  }
  return out;
}
