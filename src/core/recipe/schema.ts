import { FIELDS, IMAGE_REQUIRED, INSTALLERS, INSTANCE_TYPES, type FieldSpec } from './fields';

/**
 * The JSON Schema of recipes, derived from the same field table as the parser. schemas/recipe.schema.json
 * (shipped, contributed via yamlValidation) is this object; a unit test keeps the two equal.
 */
export function recipeJsonSchema(): Record<string, unknown> {
  const props: Record<string, Record<string, unknown>> = Object.fromEntries(Object.entries(FIELDS).map(([k, s]) => [k, convert(s)]));
  props.installer.enum = [...INSTALLERS];
  props.type.examples = INSTANCE_TYPES.map(t => t.name);
  props.type.default = 'm1.small';
  props.base.anyOf = [
    { pattern: '^[A-P][A-Za-z0-9_-]{26}$' }, { pattern: '^https?://' },
    { pattern: '^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$' }, { pattern: '^[^\\s]' },
  ];
  const image = props.image as { required?: string[]; properties: Record<string, Record<string, unknown>> };
  image.required = [...IMAGE_REQUIRED];
  image.properties['author-email'].pattern = '^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+$';
  props.shutdown.default = true;
  props.network.anyOf = [{ enum: ['nat', 'isolated'] }, { pattern: '^bridge:[A-Za-z0-9_.-]{1,15}$' }];
  props.network.default = 'nat';
  (props.packages.items as Record<string, unknown>).pattern = '^[^-\\s;&|`$<>(){}\\[\\]*?!#~\'"\\\\][^\\s;&|`$<>(){}\\[\\]*?!#~\'"\\\\]*$';
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://stratus.invalid/schemas/recipe.schema.json',
    title: 'Stratus image recipe',
    description: "Inputs of stratus create-image: a base image, packages, scripts and the new image's description.",
    type: 'object', additionalProperties: false, required: ['base', 'image'], properties: props,
  };
}

function convert(spec: FieldSpec): Record<string, unknown> {
  const description = spec.doc;
  switch (spec.kind) {
    case 'string': case 'script': return { type: 'string', description };
    case 'boolean': return { type: 'boolean', description };
    case 'number': return { type: 'integer', minimum: 1, description };
    case 'string-list': return { type: 'array', items: { type: 'string' }, description };
    case 'script-list': return {
      type: 'array', description, items: {
        anyOf: [{ type: 'string' }, {
          type: 'object', additionalProperties: false, required: ['path'], properties: {
            path: { type: 'string', description: 'Script path, relative to the recipe.' },
            args: { type: 'array', items: { type: ['string', 'number', 'boolean'] }, description: 'Arguments, each passed as one literal word.' },
          },
        }],
      },
    };
    case 'context-list': return {
      type: 'array', description, items: {
        type: 'object', additionalProperties: false, required: ['type', 'file'],
        properties: { type: { type: 'string', examples: ['cloud-config', 'x-shellscript', 'ssh', 'none'] }, file: { type: 'string' } },
      },
    };
    case 'mapping': return {
      type: 'object', additionalProperties: false, description,
      properties: Object.fromEntries(Object.entries(spec.children ?? {}).map(([k, c]) => [k, convert(c)])),
    };
  }
}
