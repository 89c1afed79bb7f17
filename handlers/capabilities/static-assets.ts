/** A file the gateway serves as it is (the API docs' Swagger UI), read from a pinned package on first request. */
export interface StaticAsset {
  body: Uint8Array;
  contentType: string;
}

/** The files of the offline API docs page, by name (`swagger-ui.css`, `swagger-ui-bundle.js`, …). */
export interface StaticAssets {
  /** undefined when the runtime has no such file (unknown names included). */
  docsAsset(name: string): Promise<StaticAsset | undefined>;
}
