// The baseline for the synth benchmark: plain cdktf declaring what homedock declares for
// bench/generate.ts's config — provider, network and the terraform_data holding its id, images, the token variable, the two
// scripts as locals, the home one-shots of the users' home image and the terraform_data that starts each, and the workspace containers, each with
// the same arguments — in a loop, with no config file, model or validation. The scripts
// (as data) and the mounts label are homedock's, taken from modules that load nothing of
// its config or model (no zod); bench/synth-scale.ts checks that both stacks are equal
// but for logical ids.
//   tsx bench/raw-cdktf.ts <users> <outdir>
import { Container } from "@cdktf/provider-docker/lib/container";
import { Image } from "@cdktf/provider-docker/lib/image";
import { Network } from "@cdktf/provider-docker/lib/network";
import { DockerProvider } from "@cdktf/provider-docker/lib/provider";
import { App, Fn, TerraformLocal, TerraformResource, TerraformStack, TerraformVariable, Token } from "cdktf";
import { HOME_GROUP_MOST, HOME_GROUP_SPLIT, homeSplit, mountsLabel } from "../src/container/common";
import { SCRIPTS } from "../src/container/scripts";
import { withoutStackTraces } from "../src/output/stack-traces";
import { START_SCRIPT } from "../src/render/start-script";

// A string Terraform takes as it is: "${" and "%{" doubled.
const literal = (text: string) => text.replace(/([$%])\{/g, "$1$1{");

// As main.ts does: no stack traces captured while the stack is built and synthesized.
withoutStackTraces(() => {
  const users = Number(process.argv[2]);
  const app = new App({ outdir: process.argv[3] });
  const stack = new TerraformStack(app, "bench");
  const provider = new DockerProvider(stack, "docker", {});
  stack.addOverride("terraform.required_providers.docker", { source: "registry.terraform.io/kreuzwerker/docker", version: "4.5.0" });
  const network = new Network(stack, "network", {
    name: "bench",
    labels: [{ label: "homedock.host", value: "bench" }],
    options: { "com.docker.network.bridge.enable_icc": "false" },
    provider,
  });
  // The workspaces' replace_triggered_by: the network, and a terraform_data holding its id.
  const networkId = new TerraformResource(stack, "network-id", { terraformResourceType: "terraform_data" });
  networkId.addOverride("input", network.id);
  const networkTriggers = [`docker_network.${network.friendlyUniqueId}`, `terraform_data.${networkId.friendlyUniqueId}`];
  const tokens = new TerraformVariable(stack, "workspace_tokens", {
    type: "map(string)",
    sensitive: true,
    description: 'Jupyter token of each workspace, by container name "<host>-<user>.<environment>" (homedock synth writes them to terraform.tfvars.json)',
  });
  const seeder = new TerraformLocal(stack, "homedock_seeder", literal(SCRIPTS["seed/entrypoint.sh"]));
  const homeScript = new TerraformLocal(stack, "homedock_home", literal(SCRIPTS["root/home.sh"]));
  const startScript = new TerraformLocal(stack, "homedock_start", literal(START_SCRIPT));
  const images = {
    python: new Image(stack, "python", { name: "bench/python:1", keepLocally: true, provider }),
    r: new Image(stack, "r", { name: "bench/r:1", keepLocally: true, provider }),
  };
  const hardening = { init: true, securityOpts: ["no-new-privileges:true"] };
  // Every user's first environment is python: python's image makes every home, in one
  // one-shot binding each home, or split in HOME_GROUP_SPLIT by homeSplit above HOME_GROUP_MOST.
  const all = Array.from({ length: users }, (_, i) => ({ user: `user${i}`, uid: 10_000 + i, home: `/home/user${i}` }));
  const parts =
    users <= HOME_GROUP_MOST
      ? [{ key: "homes-python", members: all }]
      : Array.from({ length: HOME_GROUP_SPLIT }, (_, n) => ({ key: `homes-python.${n}`, members: all.filter(({ user }) => homeSplit(user) === n) })).filter(
          (p) => p.members.length > 0,
        );
  const homeStarts = new Map<string, TerraformResource>();
  for (const { key, members } of parts) {
    const homeMounts = members.map(({ user, home }) => ({ source: home, target: `/homedock/homes/${user}`, readOnly: false }));
    const homeContainer = new Container(stack, key, {
      name: `bench-${key}`,
      image: images.python.imageId,
      user: "0:0",
      entrypoint: ["/bin/sh", "-c", homeScript.asString, "homedock-home"],
      command: ["0700", ...members.flatMap(({ user, uid, home }) => [user, `/homedock/homes/${user}`, home, `${uid}:${uid}`, "-", "0"])],
      workingDir: "/",
      env: [],
      labels: [
        { label: "homedock.host", value: "bench" },
        { label: "homedock.mounts", value: mountsLabel(homeMounts) },
        { label: "homedock.role", value: "home" },
        { label: "homedock.users", value: members.map(({ user }) => user).join(",") },
      ],
      mounts: [],
      volumes: homeMounts.map((m) => ({ hostPath: m.source, containerPath: m.target, readOnly: false })),
      memory: 64,
      memorySwap: 64,
      cpus: "0.5",
      readOnly: true,
      tmpfs: { "/homedock": "rw,nosuid,nodev,noexec,size=64k,mode=0755" },
      restart: "no",
      ...hardening,
      capabilities: { add: ["CAP_CHOWN"], drop: ["ALL"] },
      networkMode: "none",
      start: false,
      mustRun: false,
      lifecycle: { ignoreChanges: ["image"] },
      provider,
    });
    // Its start: the process limit, then the start, waited for (a one-shot).
    const homeStart = new TerraformResource(stack, `${key}-start`, {
      terraformResourceType: "terraform_data",
      provisioners: [
        {
          type: "local-exec",
          command: startScript.asString,
          environment: { HOMEDOCK_CONTAINER: homeContainer.id, HOMEDOCK_PIDS_LIMIT: "64", HOMEDOCK_WAIT: "1" },
        },
      ],
    });
    homeStart.addOverride("triggers_replace", { container: `bench-${key}`, id: homeContainer.id, pids_limit: 64 });
    for (const { user } of members) homeStarts.set(user, homeStart);
  }
  for (let i = 0; i < users; i++) {
    const { user, uid, home } = all[i];
    for (const env of i % 2 === 0 ? (["python", "r"] as const) : (["python"] as const)) {
      const name = `bench-${user}.${env}`;
      const dir = `${home}/${env}`;
      const mounts = [
        { type: "bind", source: home, target: home, readOnly: false },
        { type: "bind", source: "/srv/data", target: "/srv/data", readOnly: true },
      ];
      new Container(stack, `${user}-${env}`, {
        name,
        image: images[env].imageId,
        user: `${uid}:${uid}`,
        entrypoint: ["/bin/sh", "-c", seeder.asString, "homedock-seed"],
        command: ["jupyter", "notebook", "--ip=0.0.0.0"],
        workingDir: home,
        env: [
          `HOME=${home}`,
          `HOMEDOCK_ENV_DIR=${dir}`,
          "HOMEDOCK_SEED_DIR=/home/jovyan",
          "HOMEDOCK_SEED_EXCLUDES=.cache",
          `IPYTHONDIR=${dir}/.ipython`,
          `JUPYTER_CONFIG_DIR=${dir}/.jupyter`,
          `JUPYTER_DATA_DIR=${dir}/.local/share/jupyter`,
          `JUPYTER_TOKEN=${Token.asString(Fn.lookup(tokens.value, name))}`,
        ],
        labels: [
          { label: "homedock.environment", value: env },
          { label: "homedock.host", value: "bench" },
          { label: "homedock.mounts", value: mountsLabel(mounts) },
          { label: "homedock.role", value: "workspace" },
          { label: "homedock.user", value: user },
        ],
        mounts,
        memory: 2048,
        memorySwap: 2048,
        cpus: "1.0",
        ulimit: [{ name: "nproc", soft: 1024, hard: 1024 }],
        restart: "unless-stopped",
        ...hardening,
        capabilities: { drop: ["ALL"] },
        networksAdvanced: [{ name: network.name }],
        mustRun: true,
        dependsOn: [homeStarts.get(user)!],
        lifecycle: { replaceTriggeredBy: networkTriggers },
        provider,
      });
    }
  }
  app.synth();
});
