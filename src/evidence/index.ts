/**
 * Evidence beyond the report folder itself: Ed25519 signing of SHA256SUMS, upload of the sealed folder to an
 * evidence container (with immutability where supported), and verification of an uploaded copy.
 */
export type { Signer, SignatureRecord, SignatureCheck, SignatureProblem } from './signing.js';
export {
  loadSigningKey,
  loadPublicKey,
  preparePublicKey,
  signSums,
  checkSignature,
  publicKeyFingerprint,
  SIGNATURE_FILE,
  PUBLIC_KEY_FILE,
} from './signing.js';
export type { UploadResult, UploadOptions } from './upload.js';
export type { UploadOutcome } from './upload.js';
export {
  uploadEvidence,
  uploadReportFolder,
  uploadDrillFolder,
  containerFor,
  containerLocation,
  uploadedFolderPrefix,
} from './upload.js';
export type { VerifyUploadedOptions, UploadedLocationFlags } from './verify-uploaded.js';
export { verifyUploadedReport, verifyUploadedChain, evidenceContainerFromFlags } from './verify-uploaded.js';
export { readUploadedHistory, findPreviousUploaded } from './uploaded-history.js';
export { chainEvidence, sealFolder } from './seal-drill.js';
