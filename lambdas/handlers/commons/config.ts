/** The mapping configuration bundled with the functions (esbuild inlines the JSON), validated once. */
import raw from '../../../config/mapping.json';
import { parseMappingConfig } from '../../domain/config';

export const mappingConfig = parseMappingConfig(raw);
