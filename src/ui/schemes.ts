/** The URI scheme of a marketplace entry's read-only document (stratus-mp:/<id>/<email>/<created>.xml?endpoint).
 *  Its own tiny module: activation registers the provider without loading the marketplace commands. */
export const ENTRY_SCHEME = 'stratus-mp';
