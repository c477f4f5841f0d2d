/* Compiles the contract header as C: its static asserts run here too. */
#include "dataplane/shm/dsrlb_shm.h"

int dsrlb_layout_c_check(void) { return (int)sizeof(struct dsrlb_vip); }
