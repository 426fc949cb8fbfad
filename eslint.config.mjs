// `npm run lint`: ESLint's and typescript-eslint's recommended rules, the type-checked set
// for the TypeScript that tsconfig.json compiles. Formatting is Prettier's (npm run format):
// these sets hold no layout rule, so eslint-config-prettier is not needed (of the rules it
// turns off only no-unexpected-multiline is on, and the formatted code does not trip it).
import js from "@eslint/js";
import { defineConfig, globalIgnores } from "eslint/config";
import globals from "globals";
import tseslint from "typescript-eslint";

export default defineConfig(
  // Build output, and src/container/scripts.ts, which scripts/embed-scripts.ts writes.
  globalIgnores(["dist/", "cdktf.out/", "cdktf.out.*/", ".gen/", ".cache/", "src/container/scripts.ts"]),
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // `const { key: _, ...rest } = o` is how the code leaves a key out of a copy.
      "@typescript-eslint/no-unused-vars": ["error", { ignoreRestSiblings: true }],
      // The config's patterns name the control characters they refuse (`[^/\0-\x1f\x7f]`).
      "no-control-regex": "off",
    },
  },
  {
    files: ["test/**", "bench/**"],
    rules: {
      // Tests and benchmarks walk JSON nobody typed (cdk.tf.json, Terraform plans, docker
      // inspect) and build ill-typed configs on purpose; expect() checks what they read.
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      // A fake of an async interface (Engine.get, a convergence check) is async without an
      // await: what it throws still arrives as a rejection, as from the real thing.
      "@typescript-eslint/require-await": "off",
    },
  },
  // The few JavaScript files (the bin shim, tool configs, a --require hook) run under Node as
  // they are; tsconfig.json does not compile them, so no type information.
  {
    files: ["**/*.{js,cjs,mjs}"],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: globals.node },
  },
  {
    files: ["**/*.{js,cjs}"],
    languageOptions: { sourceType: "commonjs" },
    // CommonJS, as package.json's "type" says: require() is how these files import.
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
