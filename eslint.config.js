// ESLint flat config. The import-boundary zones encode the layering of ../shared/STYLE.md:
// common is pure TS; control-plane never imports electron; only kubelet/runtime/docker imports
// dockerode; the renderer never reaches into the control plane or electron. Inside the control
// plane (client-go's layout): components never import each other — cluster.ts alone assembles
// them, only the API server imports the store, and all may use common/ and control-plane/client/
// — and no module may sit on an import cycle. test/lint/boundaries.spec.ts shows both rules fail.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import vue from 'eslint-plugin-vue';
import vueParser from 'vue-eslint-parser';

const nodeBuiltins = [
  { group: ['node:*'], message: 'common/ and the renderer are pure TS: no Node built-ins.' },
];
const noElectron = [
  { group: ['electron', 'electron/*'], message: 'Only src-main/electron may import electron.' },
];
const noDockerode = [
  {
    group: ['dockerode', 'docker-modem'],
    message: 'Only src-main/control-plane/kubelet/runtime/docker imports dockerode.',
  },
];
const noEtcd = [
  {
    group: ['etcd3', 'cockatiel'],
    message: 'Only src-main/control-plane/store talks to etcd (etcd3 and its cockatiel policies).',
  },
];
const noControlPlane = [
  {
    group: ['**/control-plane/**', '**/electron/**'],
    message: 'The renderer talks to clusters over HTTP only.',
  },
];
const noRenderer = [{ group: ['**/src-renderer/**'], message: 'src-main never imports the renderer.' }];

// The control plane's components. Each is an API client (or, for the API server, the store's one
// user); shared client machinery lives in control-plane/client/, pure helpers in common/.
const CP = 'src-main/control-plane';
const components = ['apiserver', 'scheduler', 'controllers', 'kubelet', 'simkubelet', 'proxy', 'store'];
const componentZones = components.map((c) => ({
  target: `./${CP}/${c}`,
  from: components.filter((o) => o !== c && !(c === 'apiserver' && o === 'store')).map((o) => `./${CP}/${o}`),
  message:
    c === 'apiserver'
      ? 'The API server imports only the store among the components; share code through common/ or control-plane/client/.'
      : 'Components never import each other (only cluster.ts assembles them); share code through common/ or control-plane/client/.',
}));
const controlPlaneZones = [
  ...componentZones,
  {
    target: `./${CP}/client`,
    from: components.map((o) => `./${CP}/${o}`),
    message: 'control-plane/client is the library every component uses: it imports only common/.',
  },
  {
    target: `./${CP}/store`,
    // (Other components are already out of bounds through componentZones.)
    from: [`./${CP}/client`, `./${CP}/cluster.ts`, './src-main/cli', './src-main/electron'],
    message: 'The store imports only common/ and npm packages.',
  },
  {
    // rest.ts routes requests to the handlers, so a handler that imports it closes a cycle; only
    // api-server.ts may import it. import-x/no-cycle follows value imports only, so this zone also
    // catches type-only cycles; shared request types live in request.ts.
    target: [`./${CP}/apiserver/!(api-server|rest).ts`, `./${CP}/apiserver/*/**`],
    from: `./${CP}/apiserver/rest.ts`,
    message:
      'Only api-server.ts imports the router (rest.ts); shared request types belong in a request module.',
  },
];

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'coverage/**', 'resources/**', 'docs/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parser: vueParser, parserOptions: { parser: tseslint.parser, sourceType: 'module' } },
    // vue-tsc checks names in <script lang="ts">; core no-undef knows no browser globals there.
    rules: { 'no-undef': 'off' },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
      'no-empty': ['error', { allowEmptyCatch: false }],
      'vue/multi-word-component-names': 'error',
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/html-indent': 'off',
      'vue/html-closing-bracket-newline': 'off',
      'vue/multiline-html-element-content-newline': 'off',
    },
  },
  {
    files: ['src-main/common/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...nodeBuiltins,
            ...noElectron,
            ...noDockerode,
            ...noEtcd,
            ...noControlPlane,
            ...noRenderer,
            { group: ['vue', 'pinia'], message: 'common is framework-free.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src-main/control-plane/**', 'src-main/cli/**'],
    ignores: ['src-main/control-plane/kubelet/runtime/docker/**', 'src-main/control-plane/store/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [...noElectron, ...noDockerode, ...noEtcd, ...noRenderer] },
      ],
    },
  },
  {
    files: ['src-main/control-plane/kubelet/runtime/docker/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [...noElectron, ...noEtcd, ...noRenderer] }] },
  },
  {
    files: ['src-main/control-plane/store/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [...noElectron, ...noDockerode, ...noRenderer] }],
    },
  },
  {
    files: ['src-main/electron/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [...noDockerode, ...noEtcd, ...noRenderer] }] },
  },
  {
    files: ['src-renderer/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [...nodeBuiltins, ...noElectron, ...noDockerode, ...noControlPlane] },
      ],
    },
  },
  {
    files: ['src-main/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json', '.node'] })],
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
    },
    rules: {
      'import-x/no-restricted-paths': ['error', { zones: controlPlaneZones }],
      // Value imports only: TypeScript erases `import type`, so those cannot cause load-order bugs.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    files: ['test/**', 'src-main/**/*.spec.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
