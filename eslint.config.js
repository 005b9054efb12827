// ESLint flat config. The import-boundary zones encode the layering of ../shared/STYLE.md:
// common is pure TS; control-plane never imports electron; only kubelet/runtime/docker imports
// dockerode; the renderer never reaches into the control plane or electron.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
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
const noControlPlane = [
  {
    group: ['**/control-plane/**', '**/electron/**'],
    message: 'The renderer talks to clusters over HTTP only.',
  },
];
const noRenderer = [{ group: ['**/src-renderer/**'], message: 'src-main never imports the renderer.' }];

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
    ignores: ['src-main/control-plane/kubelet/runtime/docker/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [...noElectron, ...noDockerode, ...noRenderer] }],
    },
  },
  {
    files: ['src-main/control-plane/kubelet/runtime/docker/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [...noElectron, ...noRenderer] }] },
  },
  {
    files: ['src-main/electron/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [...noDockerode, ...noRenderer] }] },
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
    files: ['test/**', 'src-main/**/*.spec.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
