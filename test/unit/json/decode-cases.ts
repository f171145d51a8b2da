/**
 * decodeGo expectations. decode.test.ts checks decodeGo against each row; go-oracle.test.ts runs
 * every row through Go's json.Unmarshal and checks that Go agrees (Go fails exactly where a row
 * expects a "type" or "range" issue, and otherwise decodes the same value).
 */

import type { GoType } from "../../../src/json/decode.js";
import {
  CONTAINER,
  any,
  bytes,
  float32,
  float64,
  int64,
  map,
  slice,
  str,
  uint64,
} from "./types.js";

export interface DecodeCase {
  name: string;
  type: GoType;
  doc: string | readonly number[];
  /** serializeGo of the value; omitted where the row is about issues only */
  value?: string;
  /** "code pointer line:column" */
  issues: readonly string[];
}

export const DECODE_CASES: readonly DecodeCase[] = [
  // field matching
  {
    name: "exact field names",
    type: CONTAINER,
    doc: '{"Image":"busybox","Cmd":["true"]}',
    value: '{"Image":"busybox","Cmd":["true"]}',
    issues: [],
  },
  {
    name: "keys fold onto canonical names",
    type: CONTAINER,
    doc: '{"iMAGE":"x","hostconfig":{"PRIVILEGED":true}}',
    value: '{"Image":"x","HostConfig":{"Privileged":true}}',
    issues: [],
  },
  {
    name: "Kelvin sign for k, escaped and raw",
    type: CONTAINER,
    doc: '{"\\u212Aernel":"a","\u212As":1}',
    value: '{"Kernel":"a","Ks":1}',
    issues: [],
  },
  {
    name: "long s for s",
    type: CONTAINER,
    doc: '{"HOSTCONFIG":{"ſecurityOpt":["seccomp=unconfined"]}}',
    value: '{"HostConfig":{"SecurityOpt":["seccomp=unconfined"]}}',
    issues: [],
  },
  {
    name: "dotless i, dotted I and sharp s do not fold onto ASCII",
    type: CONTAINER,
    doc: '{"ımage":"a","İmage":"b","HoſtConfig":{"BlkıoWeight":1},"ſtrasse":"c"}',
    value: '{"HostConfig":{}}',
    issues: [
      "unknown-field /ımage 1:2",
      "unknown-field /İmage 1:14",
      "unknown-field /HoſtConfig/BlkıoWeight 1:40",
      "unknown-field /ſtrasse 1:57",
    ],
  },
  {
    name: "non-ASCII field names fold with bytes.EqualFold",
    type: CONTAINER,
    doc: '{"STRAẞE":"a","ÜNÏCODE":7,"ΣΊΣΥΦΟΣ":"b"}',
    value: '{"ſtraße":"a","Ünïcode":7,"Σίσυφος":"b"}',
    issues: [],
  },
  {
    name: "fold-equal fields: an exact name wins, otherwise the first declared",
    type: CONTAINER,
    doc: '{"FOO":1,"foo":"x"}',
    value: '{"FOO":1,"Foo":"x"}',
    issues: [],
  },
  {
    name: "a fold variant of FOO selects Foo, a string",
    type: CONTAINER,
    doc: '{"fOO":1}',
    issues: ["type /fOO 1:8"],
  },
  {
    name: "unknown fields are dropped, whatever they hold",
    type: CONTAINER,
    doc: '{"Unknown":{"deep":[1e999,"\\ud800"]},"Image":"x"}',
    value: '{"Image":"x"}',
    issues: ["unknown-field /Unknown 1:2"],
  },

  // duplicates
  {
    name: "the same key twice",
    type: CONTAINER,
    doc: '{"Image":"a","Image":"b"}',
    issues: ["duplicate /Image 1:14"],
  },
  {
    name: "a fold variant of a key already seen",
    type: CONTAINER,
    doc: '{"HostConfig":{"Privileged":false},"hostConfig":{"Memory":1}}',
    issues: ["duplicate /hostConfig 1:36"],
  },
  {
    name: "the same field through an escape",
    type: CONTAINER,
    doc: '{"Tty":true,"\\u0054ty":false}',
    issues: ["duplicate /Tty 1:13"],
  },
  {
    name: "fold-equal keys for different fields are not duplicates",
    type: CONTAINER,
    doc: '{"Foo":"a","FOO":2}',
    value: '{"Foo":"a","FOO":2}',
    issues: [],
  },
  {
    name: "map keys are exact: case variants are distinct keys",
    type: CONTAINER,
    doc: '{"Labels":{"a":"1","A":"2"}}',
    value: '{"Labels":{"a":"1","A":"2"}}',
    issues: [],
  },
  {
    name: "a repeated map key",
    type: CONTAINER,
    doc: '{"Labels":{"a":"1","a":"2"}}',
    issues: ["duplicate /Labels/a 1:20"],
  },
  {
    name: "a repeated key inside interface{}",
    type: CONTAINER,
    doc: '{"Any":{"x":{"y":1,"y":2}}}',
    issues: ["duplicate /Any/x/y 1:20"],
  },

  // no coercion
  {
    name: "a string is not an int",
    type: CONTAINER,
    doc: '{"HostConfig":{"Memory":"1"}}',
    issues: ["type /HostConfig/Memory 1:25"],
  },
  {
    name: "1.0 and 1e3 are not ints",
    type: CONTAINER,
    doc: '{"HostConfig":{"Memory":1.0,"CpuShares":1e3}}',
    issues: ["type /HostConfig/Memory 1:25", "type /HostConfig/CpuShares 1:41"],
  },
  {
    name: "a number is not a bool, a string not a list, an array not a struct",
    type: CONTAINER,
    doc: '{"Tty":1,"Cmd":"ls","HostConfig":[]}',
    issues: ["type /Tty 1:8", "type /Cmd 1:16", "type /HostConfig 1:34"],
  },
  {
    name: "every wrong value is reported, in document order",
    type: CONTAINER,
    doc: '{"Env":["a",1,"b",true],"Labels":{"x":[]}}',
    issues: ["type /Env/1 1:13", "type /Env/3 1:19", "type /Labels/x 1:39"],
  },
  {
    name: "pointer tokens escape / and ~",
    type: CONTAINER,
    doc: '{"a/b~c":0}',
    issues: ["type /a~1b~0c 1:10"],
  },
  {
    name: "deep pointers through maps and slices",
    type: CONTAINER,
    doc: '{"Nested":{"Inner":{"Deep":[{"k":1},{"k":"x"}]}}}',
    issues: ["type /Nested/Inner/Deep/1/k 1:42"],
  },

  // integer ranges
  {
    name: "integer edges that fit",
    type: CONTAINER,
    doc: '{"U16":65535,"U32":4294967295,"U64":18446744073709551615,"I16":-32768,"Ks":-128,"Ünïcode":255}',
    value:
      '{"U16":65535,"U32":4294967295,"U64":18446744073709551615,"I16":-32768,"Ks":-128,"Ünïcode":255}',
    issues: [],
  },
  {
    name: "integer edges that do not fit",
    type: CONTAINER,
    doc: '{"U16":65536,"U32":-1,"U64":18446744073709551616,"I16":32768,"Ks":-129}',
    issues: [
      "range /U16 1:8",
      "range /U32 1:20",
      "range /U64 1:29",
      "range /I16 1:56",
      "range /Ks 1:67",
    ],
  },
  {
    name: "-0 is 0 for a signed int but refused for an unsigned one",
    type: CONTAINER,
    doc: '{"I16":-0,"U64":-0}',
    issues: ["range /U64 1:17"],
  },
  {
    name: "int64 edges",
    type: slice(int64),
    doc: "[9223372036854775807,-9223372036854775808,9223372036854775808]",
    issues: ["range /2 1:43"],
  },
  {
    name: "a thousand-digit integer overflows",
    type: slice(int64),
    doc: `[${"9".repeat(1000)}, -${"1".repeat(22)}]`,
    issues: ["range /0 1:2", "range /1 1:1004"],
  },
  {
    name: "uint64 beyond 2^53 stays exact",
    type: slice(uint64),
    doc: "[9007199254740993,18446744073709551615]",
    value: "[9007199254740993,18446744073709551615]",
    issues: [],
  },

  // floats
  {
    name: "float64 overflow is an error, underflow is zero",
    type: slice(float64),
    doc: "[1e400,1e-400,-1e-400,1.7976931348623157e308]",
    issues: ["range /0 1:2"],
  },
  {
    name: "float64 keeps the sign of zero",
    type: slice(float64),
    doc: "[-0,-1e-400,0.1,1e21,1e-7]",
    value: "[-0,-0,0.1,1e+21,1e-7]",
    issues: [],
  },
  {
    name: "float32 rounds once, not through float64",
    type: slice(float32),
    doc: "[16777217.000000000001,16777217,16777219,0.1]",
    value: "[16777218,16777216,16777220,0.10000000149011612]",
    issues: [],
  },
  {
    name: "float32 overflow",
    type: slice(float32),
    doc: "[3.4028234663852886e38,3.4028236e38,-1e39]",
    issues: ["range /1 1:24", "range /2 1:37"],
  },
  {
    name: "interface{} numbers must fit a float64",
    type: CONTAINER,
    doc: '{"Any":[1,1e308,-1e309],"Anys":[1e400]}',
    issues: ["range /Any/2 1:17", "range /Anys/0 1:33"],
  },
  {
    name: "interface{} keeps numbers as written",
    type: any,
    doc: '{"a":[1.50,-0,1E+2,123456789012345678901234567890]}',
    value: '{"a":[1.50,-0,1E+2,123456789012345678901234567890]}',
    issues: [],
  },

  // null
  {
    name: "null leaves scalars and structs alone and sets pointers, maps and slices to nil",
    type: CONTAINER,
    doc: '{"Image":null,"Tty":null,"Ks":null,"Nested":null,"Cmd":null,"Labels":null,"HostConfig":null,"Any":null}',
    value: '{"Cmd":null,"Labels":null,"HostConfig":null,"Any":null}',
    issues: [],
  },
  {
    name: "null elements become zero values; null pointers stay nil",
    type: CONTAINER,
    doc: '{"Env":["a",null],"Labels":{"k":null},"HostConfig":{"Ulimits":[null,{"Name":"nofile","Soft":null}],"PidsLimit":null}}',
    value:
      '{"Env":["a",""],"Labels":{"k":""},"HostConfig":{"Ulimits":[null,{"Name":"nofile"}],"PidsLimit":null}}',
    issues: [],
  },
  {
    name: "null at the top of a struct",
    type: CONTAINER,
    doc: " null ",
    value: "{}",
    issues: [],
  },
  {
    name: "null into a map at the top",
    type: map(str),
    doc: "null",
    value: "null",
    issues: [],
  },

  // []byte and RawMessage
  {
    name: "[]byte reads padded standard base64, skipping CR and LF",
    type: slice(bytes),
    doc: '["AQI=","AQ\\r\\nID","","/+8=",[1,255],null]',
    value: '["AQI=","AQID","","/+8=","Af8=",null]',
    issues: [],
  },
  {
    name: "[]byte refuses unpadded, URL-safe and trailing data",
    type: slice(bytes),
    doc: '["AQI","_-8=","AQ==AQ==","A===",[256]]',
    issues: ["type /0 1:2", "type /1 1:8", "type /2 1:15", "type /3 1:26", "range /4/0 1:34"],
  },
  {
    name: "RawMessage keeps the value compacted, numbers and escapes as read",
    type: CONTAINER,
    doc: '{"Raw": { "a" : [ 1.50, "\\u00e9", {"a":1,"a":2} ] }, "raw": 1}',
    issues: ["duplicate /raw 1:54"],
  },
  {
    name: "RawMessage of null is the text null",
    type: CONTAINER,
    doc: '{"Raw":null}',
    value: '{"Raw":null}',
    issues: [],
  },

  // the whole document
  {
    name: "a wrong type at the top",
    type: CONTAINER,
    doc: "[]",
    value: "{}",
    issues: ["type  1:1"],
  },
  {
    name: "a string at the top",
    type: str,
    doc: '"\\ud83d\\ude00"',
    value: '"😀"',
    issues: [],
  },
  {
    name: "invalid UTF-8 in a key selects no field",
    type: CONTAINER,
    doc: [0x7b, 0x22, 0x49, 0x6d, 0x61, 0x67, 0xe5, 0x22, 0x3a, 0x31, 0x7d],
    value: "{}",
    issues: ["unknown-field /Imag\ufffd 1:2"],
  },
];
