/**
 * Free-text understanding: reads learners' answers into claims (asserted and denied concepts, misconceptions),
 * names and numbers. Pure functions over text; the English model loads once per process on first use.
 */
export { analyse, assertedAt, claimKeyOf, coordinated, isNonAnswer, polarityOf, readClaims, type Analysis, type Claims, type ConceptSpec, type MisconceptionSpec, type Polarity } from './claims.ts';
export { tokenize, type Token } from './tokens.ts';
export { cleanName, editDistance, looksTechnical, readNames, squashedAnswer, squashName, type NameReading } from './names.ts';
export { readNumber, type NumberReading } from './numbers.ts';
