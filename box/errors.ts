/** A problem with the box the user can fix, said in one line (or a few, one per problem). */
export class BoxError extends Error {}
