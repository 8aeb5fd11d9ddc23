import { EmbeddedSearchIndex } from '../../../src/catalog/search/embedded.js';
import { searchIndexContract } from './contract.js';

searchIndexContract('embedded', async () => new EmbeddedSearchIndex());
