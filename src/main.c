/* blobhub-realtime entry point (placeholder until the server skeleton lands). */
#include <stdio.h>
int main(void) { puts("blobhub-realtime"); return 0; }
