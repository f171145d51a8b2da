import type { ParsedHost } from "../engine/host.js";
import { DockwardError } from "../errors.js";

type SshHost = Extract<ParsedHost, { scheme: "ssh" }>;

/**
 * sshd options that leave a key able to do one thing: run the forced command. The client's own
 * command line is ignored under `command=`, which is why a non-default socket has to be part of
 * the forced command itself.
 */
export const RESTRICTIONS = [
  "no-port-forwarding",
  "no-X11-forwarding",
  "no-agent-forwarding",
  "no-pty",
] as const;

export const PUBLIC_KEY_PLACEHOLDER = "<your public key: ssh-ed25519 AAAA... comment>";

const KEY_TYPES =
  /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/]+={0,3}( [^\r\n]*)?$/;

function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:=-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The command sshd forces for this host: what the docker CLI asks the remote side to run. */
export function forcedCommand(host: SshHost): string {
  const words = ["docker"];
  if (host.remoteSocket !== undefined) words.push(`--host=unix://${host.remoteSocket}`);
  words.push("system", "dial-stdio");
  return words.map(shellWord).join(" ");
}

/**
 * One authorized_keys line restricting `publicKey` to `docker system dial-stdio`. Without a key
 * (dockward cannot know which one ssh will offer) the line carries a placeholder.
 */
export function authorizedKeysLine(host: SshHost, publicKey: string | undefined): string {
  const command = forcedCommand(host).replace(/\\/g, "\\\\").replace(/"/g, '\\"');
  return `command="${command}",${RESTRICTIONS.join(",")} ${publicKey ?? PUBLIC_KEY_PLACEHOLDER}`;
}

/** The first key line of a `.pub` file, checked to be an OpenSSH public key (not a private one). */
export function parsePublicKey(text: string, file: string): string {
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) {
    throw new DockwardError("BAD_INPUT", `${file} is a private key`, {
      hint: `give the public half (usually ${file}.pub); a private key must never leave this machine`,
    });
  }
  const line = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .find((l) => l !== "" && !l.startsWith("#"));
  if (line === undefined || !KEY_TYPES.test(line)) {
    throw new DockwardError("BAD_INPUT", `${file} does not hold an OpenSSH public key`, {
      hint: "give a .pub file whose line reads like `ssh-ed25519 AAAA... comment`",
    });
  }
  return line;
}
