import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Command, Option } from "commander";
import { DockwardError } from "../errors.js";
import { inspectFindings } from "../pki/checks.js";
import { executePlan, existingNames, stampNow, type WriteResult } from "../pki/files.js";
import { analyseMaterial, type Analysis, daysLeft, readMaterial } from "../pki/inspect.js";
import { certificateBlocks, loadCa, readText } from "../pki/material.js";
import {
  DEFAULT_CA_NAME,
  DEFAULT_LISTEN,
  daemonJson,
  groupsOf,
  planClient,
  planInit,
  planRotateCa,
  planServer,
  sansOf,
} from "../pki/operations.js";
import { type PlannedFile, resolvePlan } from "../pki/plan.js";
import { checkIdentity, type KeyType, parseDays, parseKeyType } from "../pki/profiles.js";
import { formatSan, parseSan, type SubjectAltName, serverSans } from "../pki/san.js";
import { choosePolicy } from "../policy/choose.js";
import { buildReport } from "../report/report.js";
import { octal } from "../rules/daemon/util.js";
import { PRESETS, type PresetName } from "../rules/types.js";
import {
  type Format,
  failOnOption,
  formatOption,
  outputOption,
  render,
  resolveFailOn,
} from "./output.js";

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

const keyOption = (): Option =>
  new Option("--key <type>", "key type: ecdsa-p256 (default), rsa-2048, rsa-4096");
const daysOption = (): Option =>
  new Option("--days <n>", "validity of the server and client certificates, in days").default(
    "365",
  );
const forceOption = (): Option =>
  new Option(
    "--force",
    "replace existing files (a CA certificate and key are kept aside, never deleted)",
  );

function say(text: string): void {
  process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
}

function listWritten(result: WriteResult): void {
  for (const m of result.moved) say(`  kept    ${m.to}  (was ${m.from})`);
  for (const w of result.written) say(`  wrote   ${octal(w.mode)}  ${w.path}`);
}

function write(
  dir: string,
  files: PlannedFile[],
  opts: { force: boolean; refuseKeys?: boolean },
): WriteResult {
  const plan = resolvePlan(dir, files, existingNames(dir), {
    force: opts.force,
    stamp: stampNow(),
    ...(opts.refuseKeys !== undefined ? { refuseKeys: opts.refuseKeys } : {}),
  });
  return executePlan(dir, plan);
}

function keyTypeOf(text: string | undefined): KeyType {
  return text === undefined ? "ecdsa-p256" : parseKeyType(text);
}

/** SANs given with --san, or those of the server certificate already in DIR. */
function sansFor(given: readonly string[], dir: string): SubjectAltName[] {
  if (given.length > 0) return given.map(parseSan);
  const file = join(dir, "server-cert.pem");
  if (!existsSync(file))
    throw new DockwardError("USAGE", `no --san given and no ${file} to take the names from`, {
      hint: "give every name and address clients dial: --san DNS:docker.example.com --san IP:10.0.0.5",
    });
  const pem = certificateBlocks(readText(file, "server certificate"))[0];
  if (pem === undefined)
    throw new DockwardError("BAD_INPUT", `${file} holds no certificate`, { hint: "give --san" });
  return sansOf(pem).map((s) => parseSan(formatSan(s)));
}

// ---------------------------------------------------------------------------------------------

interface InitOptions {
  out: string;
  san?: string[];
  key?: string;
  days: string;
  caDays: string;
  caName: string;
  client: boolean;
  clientName: string;
  listen?: string[];
  force?: boolean;
}

function initCommand(): Command {
  return new Command("init")
    .description(
      "create a CA, the daemon's server certificate, a first client certificate and a daemon.json fragment",
    )
    .requiredOption("--out <dir>", "directory to write (created 0700 when missing)")
    .addOption(
      new Option(
        "--san <type:value>",
        "a name clients dial: DNS:host or IP:addr (repeatable; DNS:localhost and IP:127.0.0.1 are always added)",
      ).argParser(collect),
    )
    .addOption(keyOption())
    .addOption(daysOption())
    .addOption(new Option("--ca-days <n>", "validity of the CA, in days").default(String(5 * 365)))
    .addOption(
      new Option(
        "--ca-name <cn>",
        "the CA's common name (every client that connects sees it)",
      ).default(DEFAULT_CA_NAME),
    )
    .addOption(
      new Option("--no-client", "do not issue the first client certificate (cert.pem, key.pem)"),
    )
    .addOption(
      new Option("--client-name <name>", "CN of the first client certificate").default("admin"),
    )
    .addOption(
      new Option(
        "--listen <host>",
        `a "hosts" entry for daemon.json (repeatable; default ${DEFAULT_LISTEN.join(" and ")})`,
      ).argParser(collect),
    )
    .addOption(forceOption())
    .addHelpText(
      "after",
      `
Files (Docker's names; keys 0400, certificates 0444, keys unencrypted):
  ca.pem, ca-key.pem            the CA: keep ca-key.pem off the daemon host when you can
  server-cert.pem, server-key.pem   the daemon's certificate (EKU serverAuth)
  cert.pem, key.pem             the first client certificate (EKU clientAuth)
  daemon.json                   tls, tlsverify, tlscacert, tlscert, tlskey, hosts

A directory that already holds keys is refused unless --force. Nothing is half-written: every
file is written to a temporary name first and renamed into place at the end.

Examples:
  dockward tls init --out /etc/docker/tls --san DNS:docker.example.com --san IP:10.0.0.5
  dockward tls init --out ./pki --san DNS:build-1 --key rsa-4096 --days 90 --no-client`,
    )
    .action(async (opts: InitOptions) => {
      const dir = resolve(opts.out);
      const sans = (opts.san ?? []).map(parseSan);
      const keyType = keyTypeOf(opts.key);
      const days = parseDays(opts.days);
      const caDays = parseDays(opts.caDays, "--ca-days");
      if (caDays <= days)
        throw new DockwardError(
          "BAD_INPUT",
          `--ca-days ${caDays} must be longer than --days ${days}`,
          {
            hint: "a leaf cannot outlive the CA that vouches for it",
          },
        );
      const clientName = checkIdentity(opts.clientName, "name");
      const listen = opts.listen ?? [...DEFAULT_LISTEN];
      // refuse before spending time on keys
      resolvePlan(dir, [], existingNames(dir), {
        force: opts.force === true,
        stamp: "",
        refuseKeys: true,
      });
      const files = await planInit({
        dir,
        sans,
        keyType,
        days,
        caDays,
        caName: opts.caName,
        client: opts.client,
        clientName,
        listen,
        now: new Date(),
      });
      const result = write(dir, files, { force: opts.force === true, refuseKeys: true });
      say(
        `dockward: a CA, a server certificate for ${serverSans(sans).map(formatSan).join(", ")}${opts.client ? ` and a client certificate for CN=${clientName}` : ""} (${keyType}):`,
      );
      listWritten(result);
      // a client dials a name, not the wildcard address the daemon binds
      const tcp = listen
        .find((h) => h.startsWith("tcp://"))
        ?.replace(
          /^tcp:\/\/(0\.0\.0\.0|\[::\])?:/,
          `tcp://${sans.find((s) => s.type === "dns")?.value ?? "HOST"}:`,
        );
      say(`
Start dockerd with it (daemon.json: ${JSON.stringify(daemonJson(dir, listen))}):
  dockerd --config-file ${join(dir, "daemon.json")}
or merge ${join(dir, "daemon.json")} into /etc/docker/daemon.json and restart the daemon.

warning: "hosts" in daemon.json and any -H/--host flag together make dockerd refuse to start
  ("the following directives are specified both as a flag and in the configuration file").
  The stock systemd unit passes -H fd://: override it with \`systemctl edit docker\`:
    [Service]
    ExecStart=
    ExecStart=/usr/bin/dockerd --containerd=/run/containerd/containerd.sock
  or drop "hosts" from daemon.json and keep the unit's -H flags.
${
  opts.client
    ? `
Then, from a client (the docker CLI reads ca.pem, cert.pem, key.pem from DOCKER_CERT_PATH):
  docker --tlsverify --tlscacert ${join(dir, "ca.pem")} --tlscert ${join(dir, "cert.pem")} --tlskey ${join(dir, "key.pem")} -H ${tcp ?? "tcp://HOST:2376"} info
  DOCKER_HOST=${tcp ?? "tcp://HOST:2376"} DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=${dir} docker info`
    : ""
}
More clients: dockward tls client NAME --ca ${dir} --out DIR [--group G]`);
    });
}

interface ClientOptions {
  ca: string;
  out: string;
  group?: string[];
  key?: string;
  days: string;
  force?: boolean;
}

function clientCommand(): Command {
  return new Command("client")
    .description(
      "issue a client certificate for one person or machine (CN = NAME, one O per --group)",
    )
    .argument("<name>", "the identity: the certificate's CN, which AuthZ plugins and the guard see")
    .requiredOption("--ca <dir>", "the CA directory (ca.pem, ca-key.pem)")
    .requiredOption(
      "--out <dir>",
      "where to write cert.pem, key.pem and ca.pem (a DOCKER_CERT_PATH)",
    )
    .addOption(
      new Option(
        "--group <group>",
        "a group for the guard's roles (repeatable; written as O=group)",
      ).argParser(collect),
    )
    .addOption(keyOption())
    .addOption(daysOption())
    .addOption(forceOption())
    .addHelpText(
      "after",
      `
ca.pem in --out is what the client verifies the daemon with: the CA certificate, or
ca-bundle.pem while a CA rotation is under way.

Examples:
  dockward tls client alice --ca /etc/docker/tls --out ./alice --group ops --group deploy
  DOCKER_CERT_PATH=./alice DOCKER_TLS_VERIFY=1 DOCKER_HOST=tcp://docker.example.com:2376 docker ps`,
    )
    .action(async (name: string, opts: ClientOptions) => {
      checkIdentity(name, "name");
      for (const g of opts.group ?? []) checkIdentity(g, "group");
      const out = resolve(opts.out);
      const existing = existingNames(out);
      const ca = loadCa(resolve(opts.ca));
      const files = await planClient({
        name,
        groups: opts.group ?? [],
        keyType: keyTypeOf(opts.key),
        days: parseDays(opts.days),
        ca,
        now: new Date(),
        outHoldsCa: existing.has("ca-key.pem"),
        overwrite: "refuse",
      });
      const result = write(out, files, { force: opts.force === true });
      say(
        `dockward: a client certificate for CN=${name}${(opts.group ?? []).map((g) => `, O=${g}`).join("")}, issued by ${ca.dir}/ca.pem:`,
      );
      listWritten(result);
      say(
        `\nUse it: DOCKER_CERT_PATH=${out} DOCKER_TLS_VERIFY=1 DOCKER_HOST=tcp://HOST:2376 docker info`,
      );
    });
}

// ---------------------------------------------------------------------------------------------

interface InspectOptions {
  policy?: string;
  preset?: PresetName;
  format: Format;
  output?: string;
  failOn?: string;
  showSuppressed?: boolean;
}

function table(a: Analysis, now: Date): string {
  const lines: string[] = [];
  const row = (k: string, v: string): void => {
    lines.push(`  ${k.padEnd(12)}${v}`);
  };
  const shown = (path: string): boolean =>
    a.material.only === undefined || a.material.only === path;
  for (const c of a.certificates) {
    if (!shown(c.file.path)) continue;
    const s = c.summary;
    lines.push(
      `${c.file.path}${c.count > 1 ? ` [${c.index + 1}/${c.count}]` : ""}  (${c.role === "other" ? "certificate" : `${c.role} certificate`})`,
    );
    row("subject", s.subject);
    row("issuer", s.selfSigned ? `${s.issuer} (self-signed)` : s.issuer);
    if (s.subjectAltNames.length > 0) row("SANs", s.subjectAltNames.join(", "));
    row(
      "EKU",
      s.extendedKeyUsage === undefined
        ? "(none: any usage)"
        : s.extendedKeyUsage.join(", ") || "(empty)",
    );
    row("CA", s.isCa ? "yes" : "no");
    row(
      "key",
      `${s.key.type}${s.key.curve !== undefined ? ` ${s.key.curve}` : ""} ${s.key.bits ?? "?"} bits`,
    );
    const left = daysLeft(s, now);
    row(
      "valid",
      `${s.notBefore.slice(0, 10)} → ${s.notAfter.slice(0, 10)} (${left < 0 ? `EXPIRED ${-left} days ago` : `${left} days left`})`,
    );
    if (!s.selfSigned)
      row(
        "chains to",
        c.checkedAgainst.length === 0
          ? "(no ca.pem beside it to check)"
          : c.chainsTo.length > 0
            ? c.chainsTo.join(", ")
            : `NOT ${c.checkedAgainst.join(", ")}`,
      );
    if (c.key !== undefined)
      row(
        "private key",
        `${c.key.file}: ${c.key.matches === undefined ? "could not be read" : c.key.matches ? "matches" : "DOES NOT MATCH"}`,
      );
    row("serial", s.serialNumber);
    if (c.file.facts !== undefined)
      row(
        "file",
        `${octal(c.file.facts.permissions)} uid ${c.file.facts.uid} gid ${c.file.facts.gid}`,
      );
    lines.push("");
  }
  for (const k of a.keys) {
    if (!shown(k.file.path)) continue;
    const f = k.file.facts;
    lines.push(`${k.file.path}  (private key)`);
    row(
      "key",
      k.encrypted
        ? "encrypted"
        : k.key === undefined
          ? "does not parse"
          : `${k.key.type}${k.key.curve !== undefined ? ` ${k.key.curve}` : ""} ${k.key.bits ?? "?"} bits, unencrypted`,
    );
    if (f !== undefined) row("file", `${octal(f.permissions)} uid ${f.uid} gid ${f.gid}`);
    lines.push("");
  }
  return lines.join("\n");
}

function inspectCommand(): Command {
  return new Command("inspect")
    .description("what a directory (or one file) of TLS material holds, and what is wrong with it")
    .argument("<path>", "a directory (ca.pem, server-cert.pem, cert.pem, …) or one PEM file")
    .addOption(new Option("--policy <file>", "policy file (default: ./dockward.yaml when present)"))
    .addOption(
      new Option(
        "--preset <name>",
        "rule preset when no policy says otherwise (default restricted)",
      ).choices(PRESETS),
    )
    .addOption(formatOption())
    .addOption(outputOption())
    .addOption(failOnOption())
    .addOption(new Option("--show-suppressed", "also list findings silenced by exceptions"))
    .addHelpText(
      "after",
      `
For each certificate: subject, issuer, SANs, EKUs, key type and size, validity and days left,
whether it chains to the CA beside it (ca.pem, ca-bundle.pem, ca.old.pem), whether its key
(Docker's pairs: server-cert.pem/server-key.pem, cert.pem/key.pem, ca.pem/ca-key.pem) matches,
and file modes. The daemon's files are judged by the DW-TLS rules, as \`audit\` judges a live
daemon's; client certificates, chains and key files by the DW-PKI checks (docs/tls.md).

Exit codes: 0 clean, 1 findings at or above --fail-on (default high), 2 bad usage or unreadable PATH.

Examples:
  dockward tls inspect /etc/docker/tls
  dockward tls inspect ~/.docker/cert.pem
  dockward tls inspect ./pki --format sarif -o tls.sarif`,
    )
    .action((path: string, opts: InspectOptions) => {
      const policy = choosePolicy(opts, process.cwd());
      const now = new Date();
      const analysis = analyseMaterial(readMaterial(path));
      const { target, findings, expired } = inspectFindings(analysis, policy, now);
      const failOn = resolveFailOn(opts.failOn, policy.failOn);
      const report = buildReport({
        mode: "audit",
        policy: { source: policy.source, preset: policy.preset },
        targets: [target],
        findings,
        expiredExceptions: expired,
        failOn: failOn === "none" ? "critical" : failOn,
      });
      if (failOn === "none") report.summary.failed = false;
      if (opts.format === "text" && opts.output === undefined) say(table(analysis, now));
      render(report, opts.format, {
        output: opts.output,
        showSuppressed: opts.showSuppressed === true,
      });
      process.exitCode = report.summary.failed ? 1 : 0;
    });
}

// ---------------------------------------------------------------------------------------------

function rotateCommand(): Command {
  const rotate = new Command("rotate")
    .description("renew the server or a client certificate, or rotate the CA without downtime")
    .addHelpText(
      "after",
      `
Examples:
  dockward tls rotate server --ca /etc/docker/tls --out /etc/docker/tls
  dockward tls rotate client alice --ca /etc/docker/tls --out ./alice
  dockward tls rotate ca --out /etc/docker/tls`,
    );
  rotate.addCommand(
    new Command("server")
      .description(
        "re-issue the daemon's certificate and key from the CA (the old ones are kept as *.old.pem)",
      )
      .requiredOption("--ca <dir>", "the CA directory (ca.pem, ca-key.pem)")
      .requiredOption("--out <dir>", "the directory with server-cert.pem / server-key.pem")
      .addOption(
        new Option(
          "--san <type:value>",
          "names clients dial (default: those of the current server-cert.pem)",
        ).argParser(collect),
      )
      .addOption(keyOption())
      .addOption(daysOption())
      .addHelpText(
        "after",
        `\nExample:\n  dockward tls rotate server --ca /etc/docker/tls --out /etc/docker/tls --days 365\n\ndockerd reads its TLS files only at start: restart it afterwards.`,
      )
      .action(
        async (opts: { ca: string; out: string; san?: string[]; key?: string; days: string }) => {
          const out = resolve(opts.out);
          const sans = sansFor(opts.san ?? [], out);
          const ca = loadCa(resolve(opts.ca));
          const files = await planServer({
            sans,
            keyType: keyTypeOf(opts.key),
            days: parseDays(opts.days),
            ca,
            now: new Date(),
          });
          const result = write(out, files, { force: false });
          say(
            `dockward: a new server certificate for ${serverSans(sans).map(formatSan).join(", ")}:`,
          );
          listWritten(result);
          say("\nRestart dockerd to use it: clients that trust the CA see no difference.");
        },
      ),
  );
  rotate.addCommand(
    new Command("client")
      .description(
        "re-issue a client certificate (same CN and groups unless given; the old ones are kept as *.old.pem)",
      )
      .argument("<name>", "the identity (CN)")
      .requiredOption("--ca <dir>", "the CA directory (ca.pem, ca-key.pem)")
      .requiredOption("--out <dir>", "the client's directory (cert.pem, key.pem, ca.pem)")
      .addOption(
        new Option("--group <group>", "groups (default: those of the current cert.pem)").argParser(
          collect,
        ),
      )
      .addOption(keyOption())
      .addOption(daysOption())
      .addHelpText(
        "after",
        `\nExample:\n  dockward tls rotate client alice --ca /etc/docker/tls --out ./alice`,
      )
      .action(
        async (
          name: string,
          opts: { ca: string; out: string; group?: string[]; key?: string; days: string },
        ) => {
          checkIdentity(name, "name");
          const out = resolve(opts.out);
          let groups = opts.group;
          const current = join(out, "cert.pem");
          if (groups === undefined && existsSync(current)) {
            const pem = certificateBlocks(readFileSync(current, "utf8"))[0];
            if (pem !== undefined) groups = groupsOf(pem).groups;
          }
          for (const g of groups ?? []) checkIdentity(g, "group");
          const existing = existingNames(out);
          const ca = loadCa(resolve(opts.ca));
          const files = await planClient({
            name,
            groups: groups ?? [],
            keyType: keyTypeOf(opts.key),
            days: parseDays(opts.days),
            ca,
            now: new Date(),
            outHoldsCa: existing.has("ca-key.pem"),
            overwrite: "keep-old",
          });
          const result = write(out, files, { force: false });
          say(
            `dockward: a new client certificate for CN=${name}${(groups ?? []).map((g) => `, O=${g}`).join("")}:`,
          );
          listWritten(result);
        },
      ),
  );
  rotate.addCommand(
    new Command("ca")
      .description(
        "a new CA, a CA bundle (new + old) for the overlap, and the server certificate re-issued from the new CA",
      )
      .requiredOption("--out <dir>", "the CA directory (ca.pem, ca-key.pem, server-cert.pem)")
      .addOption(
        new Option(
          "--san <type:value>",
          "server names (default: those of the current server-cert.pem)",
        ).argParser(collect),
      )
      .addOption(keyOption())
      .addOption(daysOption())
      .addOption(
        new Option("--ca-days <n>", "validity of the new CA, in days").default(String(5 * 365)),
      )
      .addOption(new Option("--ca-name <cn>", "the new CA's common name").default(DEFAULT_CA_NAME))
      .addOption(
        new Option(
          "--force",
          "rotate again although ca-key.old.pem from a previous rotation is still there (it is kept aside, not deleted)",
        ),
      )
      .addHelpText(
        "after",
        `
The old ca.pem / ca-key.pem are kept as ca.old.pem / ca-key.old.pem, never deleted. The daemon
serves ca-bundle.pem (new + old) as tlscacert during the overlap, so clients with certificates
from either CA get in; the steps are printed.

Example:
  dockward tls rotate ca --out /etc/docker/tls`,
      )
      .action(
        async (opts: {
          out: string;
          san?: string[];
          key?: string;
          days: string;
          caDays: string;
          caName: string;
          force?: boolean;
        }) => {
          const out = resolve(opts.out);
          const old = loadCa(out);
          const sans = sansFor(opts.san ?? [], out);
          const files = await planRotateCa({
            old,
            sans,
            keyType: keyTypeOf(opts.key),
            days: parseDays(opts.days),
            caDays: parseDays(opts.caDays, "--ca-days"),
            caName: opts.caName,
            now: new Date(),
          });
          const result = write(out, files, { force: opts.force === true });
          say("dockward: a new CA, a CA bundle and a server certificate from the new CA:");
          listWritten(result);
          say(`
Steps (no client is locked out at any point):
  1. Point the daemon's tlscacert at ${join(out, "ca-bundle.pem")} (it trusts client
     certificates from the old and the new CA), keep tlscert/tlskey at the new
     server-cert.pem/server-key.pem, and restart dockerd. Clients verify the daemon with their
     ca.pem: give each one ${join(out, "ca-bundle.pem")} as its ca.pem (their cert.pem and
     key.pem keep working).
  2. Re-issue every client from the new CA:
       dockward tls rotate client NAME --ca ${out} --out CLIENT_DIR
     (their ca.pem becomes the bundle while it exists).
  3. When every client has moved, switch tlscacert to ${join(out, "ca.pem")}, restart dockerd,
     give clients the new ca.pem, then remove ca-bundle.pem; keep ca.old.pem / ca-key.old.pem
     offline or destroy them.`);
        },
      ),
  );
  for (const sub of rotate.commands) sub.exitOverride();
  return rotate;
}

export function tlsCommand(): Command {
  const cmd = new Command("tls")
    .description(
      "make and check Docker TLS material: a CA, the daemon's certificate, client certificates, rotation",
    )
    .addHelpText(
      "after",
      `
Everything uses Docker's file names (ca.pem, server-cert.pem, server-key.pem, cert.pem, key.pem)
and modes (keys 0400, certificates 0444), with ECDSA P-256 keys by default. See docs/tls.md.

Examples:
  dockward tls init --out /etc/docker/tls --san DNS:docker.example.com --san IP:10.0.0.5
  dockward tls client alice --ca /etc/docker/tls --out ./alice --group ops
  dockward tls inspect /etc/docker/tls
  dockward tls rotate ca --out /etc/docker/tls`,
    );
  cmd.addCommand(initCommand());
  cmd.addCommand(clientCommand());
  cmd.addCommand(inspectCommand());
  cmd.addCommand(rotateCommand());
  return cmd;
}
