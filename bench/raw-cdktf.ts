// The baseline for the synth benchmark: plain cdktf declaring the same resources as
// homedock does for bench/generate.ts's config — network, images, per user a home
// container, the terraform_data that starts it, and the workspace containers with the
// same arguments — in a loop, with no config file, model or validation.
//   tsx bench/raw-cdktf.ts <users> <outdir>
import { Container } from "@cdktf/provider-docker/lib/container";
import { Image } from "@cdktf/provider-docker/lib/image";
import { Network } from "@cdktf/provider-docker/lib/network";
import { DockerProvider } from "@cdktf/provider-docker/lib/provider";
import { App, Fn, TerraformLocal, TerraformResource, TerraformStack, TerraformVariable, Token } from "cdktf";
import { SEEDER_SCRIPT } from "../src/container/container";
import { withoutStackTraces } from "../src/output/stack-traces";
import { literal, START_SCRIPT } from "../src/render/terraform";

// As main.ts does: no stack traces captured while the stack is built and synthesized.
withoutStackTraces(() => {
  const users = Number(process.argv[2]);
  const app = new App({ outdir: process.argv[3] });
  const stack = new TerraformStack(app, "bench");
  new DockerProvider(stack, "docker", {});
  stack.addOverride("terraform.required_providers.docker", { source: "registry.terraform.io/kreuzwerker/docker", version: "4.5.0" });
  const network = new Network(stack, "network", { name: "bench", labels: [{ label: "homedock.host", value: "bench" }] });
  const seeder = new TerraformLocal(stack, "seeder", literal(SEEDER_SCRIPT));
  const tokens = new TerraformVariable(stack, "workspace_tokens", { type: "map(string)", sensitive: true });
  const startScript = new TerraformLocal(stack, "start", literal(START_SCRIPT));
  const images = {
    python: new Image(stack, "python", { name: "bench/python:1", keepLocally: true }),
    r: new Image(stack, "r", { name: "bench/r:1", keepLocally: true }),
  };
  const hardening = { init: true, securityOpts: ["no-new-privileges:true"] };
  for (let i = 0; i < users; i++) {
    const user = `user${i}`;
    const uid = 10_000 + i;
    const home = `/home/${user}`;
    const homeContainer = new Container(stack, `${user}-home`, {
      name: `bench-${user}.home`, image: images.python.imageId, user: "0:0",
      entrypoint: ["/bin/sh", "-c", 'if [ -e "$1" ] || [ -L "$1" ]; then exit 0; fi; mkdir -m "$2" "$1" && chown -h "$3" "$1"', "homedock-home"],
      command: [`/homedock/parent/${user}`, "0700", `${uid}:${uid}`], workingDir: "/", env: [],
      labels: [{ label: "homedock.host", value: "bench" }, { label: "homedock.role", value: "home" }, { label: "homedock.user", value: user }],
      mounts: [{ type: "bind", source: "/home", target: "/homedock/parent", readOnly: false }],
      readOnly: true, tmpfs: { "/tmp": "rw,nosuid,nodev,mode=1777" }, restart: "no", ...hardening,
      capabilities: { add: ["CAP_CHOWN"], drop: ["ALL"] }, networkMode: "none", start: false, mustRun: false,
      lifecycle: { ignoreChanges: ["image"] },
    });
    const homeStart = new TerraformResource(stack, `${user}-home-start`, {
      terraformResourceType: "terraform_data",
      provisioners: [{ type: "local-exec", command: startScript.asString, environment: { HOMEDOCK_CONTAINER: homeContainer.id, HOMEDOCK_PIDS_LIMIT: "64", HOMEDOCK_WAIT: "1" } }],
    });
    homeStart.addOverride("triggers_replace", { container: `bench-${user}.home`, id: homeContainer.id, pids_limit: 64 });
    for (const env of i % 2 === 0 ? (["python", "r"] as const) : (["python"] as const)) {
      const dir = `${home}/${env}`;
      new Container(stack, `${user}-${env}`, {
        name: `bench-${user}.${env}`, image: images[env].imageId, user: `${uid}:${uid}`,
        entrypoint: ["/bin/sh", "-c", seeder.asString, "homedock-seed"], command: ["jupyter", "notebook", "--ip=0.0.0.0"], workingDir: home,
        env: [`HOME=${home}`, `HOMEDOCK_ENV_DIR=${dir}`, "HOMEDOCK_SEED_DIR=/home/jovyan", "HOMEDOCK_SEED_EXCLUDES=.cache", `JUPYTER_CONFIG_DIR=${dir}/.jupyter`, `JUPYTER_DATA_DIR=${dir}/.local/share/jupyter`, `JUPYTER_TOKEN=${Token.asString(Fn.lookup(tokens.value, `${user}.${env}`))}`],
        labels: [{ label: "homedock.environment", value: env }, { label: "homedock.host", value: "bench" }, { label: "homedock.role", value: "workspace" }, { label: "homedock.user", value: user }],
        mounts: [{ type: "bind", source: home, target: home, readOnly: false }, { type: "bind", source: "/srv/data", target: "/srv/data", readOnly: true }],
        memory: 2048, memorySwap: 2048, cpus: "1.0", ulimit: [{ name: "nproc", soft: 1024, hard: 1024 }], restart: "unless-stopped", ...hardening,
        capabilities: { drop: ["ALL"] }, networksAdvanced: [{ name: network.name }], mustRun: true, dependsOn: [homeStart],
      });
    }
  }
  app.synth();
});
