/** The model catalogue: what each worker serves, announced on a compacted topic under a lease. */
package io.pitiserve.common.catalogue;
