// Node groups of the htools model.
import { type AllocPolicy, type Gdx, type IPolicy, DEF_IPOLICY } from "./types.js";

export interface Group {
  readonly name: string;
  readonly uuid: string;
  readonly idx: Gdx;
  readonly allocPolicy: AllocPolicy;
  readonly networks: readonly string[];
  readonly iPolicy: IPolicy;
  readonly allTags: readonly string[];
}

export function createGroup(
  name: string,
  uuid: string,
  allocPolicy: AllocPolicy,
  networks: readonly string[],
  allTags: readonly string[],
  iPolicy: IPolicy = DEF_IPOLICY,
): Group {
  return { name, uuid, idx: -1, allocPolicy, networks, iPolicy, allTags };
}

export function isAllocable(g: Group): boolean {
  return g.allocPolicy !== "unallocable";
}
