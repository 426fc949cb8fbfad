// `homedock prune`: what Compose leaves of users a config no longer declares. Compose
// removes only the volumes its file still names, so after a user leaves the config
// (or a workspace does, or a home moves) the local volumes that bound that home and
// socket directory stay behind. They hold nothing: the directories are on the host
// and stay, as every home does.
import type { Command } from "commander";
import type { HostModel } from "../model/model";
import { LABEL_HOST, LABEL_USER } from "../container/container";
import { type Docker, dockerCli } from "../docker/docker-cli";
import { CONFIG_OPTION, configFile } from "./config-file";
import { configReader, loadCommandModules } from "./lazy";

/** The label Compose gives a volume: its key in the file. */
const COMPOSE_VOLUME = "com.docker.compose.volume";

/**
 * On a Swarm there is nothing of a user's to prune: the stack file gives no workspace a
 * volume (its home and socket directory are bind mounts of directories on the nodes),
 * and `docker stack deploy --prune` removes the services the config no longer has.
 */
export const SWARM_NOTHING =
  "nothing to remove on a Swarm: the stack file gives no user a volume (homes and socket directories are bind mounts, and stay), " +
  "and homedock swarm deploy (docker stack deploy --prune) removes the services of users the config no longer has";

/** A volume of the host that its Compose file no longer declares. */
export interface UndeclaredVolume {
  readonly name: string;
  readonly user: string;
}

/** What docker said when it failed: its message, or why it did not run. */
function failure(r: ReturnType<Docker>, what: string): string {
  return `${what}: ${r.error ? `cannot run docker: ${(r.error as NodeJS.ErrnoException).code ?? r.error.message}` : r.stderr.trim()}`;
}

/**
 * The volumes labelled with the host's name and a user that the host's Compose file
 * does not declare, through the Docker API (`docker`, so DOCKER_HOST picks the host).
 * @returns the volumes, or the line saying why Docker could not list them
 */
export async function undeclaredVolumes(model: HostModel, docker: Docker = dockerCli): Promise<UndeclaredVolume[] | string> {
  // The Compose renderer (js-yaml) when the command runs, never for `homedock --help`.
  const { composeFile } = await import("../render/compose");
  const declared = new Set(Object.keys(composeFile(model).volumes ?? {}));
  const format = `{{.Name}}\t{{.Label "${LABEL_USER}"}}\t{{.Label "${COMPOSE_VOLUME}"}}`;
  const r = docker(["volume", "ls", "--filter", `label=${LABEL_HOST}=${model.name}`, "--filter", `label=${LABEL_USER}`, "--format", format]);
  if (r.error || r.status !== 0) return failure(r, "docker volume ls");
  return r.stdout
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => line.split("\t"))
    .filter(([, , key]) => !declared.has(key))
    .map(([name, user]) => ({ name, user }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Adds `homedock prune`; `exit` receives 1 when a volume could not be listed or removed. */
export function addPruneCommand(cli: Command, exit: (status: number) => void, docker: Docker = dockerCli): void {
  cli
    .command("prune")
    .description(
      "after docker compose up -d --remove-orphans: remove the Docker volumes of users, workspaces and homes the config no longer declares " +
        "(the records of their binds; homes and everything in them stay)",
    )
    .option("-c, --config <file>", CONFIG_OPTION)
    .hook("preAction", loadCommandModules)
    .action(async (opts: { config?: string }) => {
      const model = configReader().loadChecked(opts.config ?? configFile()).model;
      if (model.swarm !== undefined) {
        console.log(SWARM_NOTHING);
        return;
      }
      const found = await undeclaredVolumes(model, docker);
      if (typeof found === "string") {
        console.error(`homedock prune: ${found}`);
        return exit(1);
      }
      if (found.length === 0) console.log("nothing to remove: every volume of the host's users is declared");
      let failed = false;
      for (const volume of found) {
        const r = docker(["volume", "rm", volume.name]);
        if (r.error || r.status !== 0) {
          // In use: its container still runs, since Compose only removes orphans when asked.
          console.error(`homedock prune: ${failure(r, `cannot remove ${volume.name} (${volume.user})`)}; run docker compose up -d --remove-orphans first`);
          failed = true;
        } else {
          console.log(`removed volume ${volume.name} (${volume.user})`);
        }
      }
      if (failed) exit(1);
    });
}
