// ESLint flat config: typescript-eslint type-aware rules, Prettier owns formatting, and the layer
// rule (imports point down only: cli -> format -> engine -> device -> transport -> scsi).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

const layers = ['scsi', 'transport', 'device', 'engine', 'format', 'cli'];
const nodeBuiltins =
  '^(node:.*|fs|fs/.*|path|os|net|events|stream|stream/.*|child_process|worker_threads|crypto|util|buffer|process|timers|timers/.*)$';

/** For a layer, a regex matching a relative import of any layer above it (or of testing/). */
function upward(layer) {
  const above = layers.slice(layers.indexOf(layer) + 1).concat(['testing']);
  return `^(\\.\\./)+(${above.join('|')})(/|$)`;
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test/fixtures/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  ...layers.map((layer) => ({
    files: [`src/${layer}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: upward(layer),
              message: `imports point down only: ${layer} may not import a layer above it`,
            },
            ...(layer === 'scsi'
              ? [{ regex: nodeBuiltins, message: 'src/scsi is pure: no Node APIs' }]
              : []),
          ],
        },
      ],
    },
  })),
  {
    files: ['eslint.config.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
  prettier,
);
