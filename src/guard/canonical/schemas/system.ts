/**
 * `POST /auth`: registry.AuthConfig (types.AuthConfig in 20.10), decoded into a pointer.
 * Source: moby api/types/registry/authconfig.go at v28.5.2; the JSON names are lower case.
 */

import { go, struct } from "../go-types.js";

export const systemAuth = go.ptr(
  struct("registry.AuthConfig", {
    username: go.string,
    password: go.string,
    auth: go.string,
    email: go.string,
    serveraddress: go.string,
    identitytoken: go.string,
    registrytoken: go.string,
  }),
);
