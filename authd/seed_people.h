/*
 * authd/seed_people.h — made-up people for the demo store: names, addresses, phone numbers.
 *
 * A person is a pure function of (seed, key): customer k and guest g can be rebuilt at any time
 * without keeping them in memory. Addresses use real city names and plausible postcodes; e-mail
 * domains are under .test (RFC 2606), phone numbers are not meant to be real.
 */
#ifndef AUTHD_SEED_PEOPLE_H
#define AUTHD_SEED_PEOPLE_H

#include <stdint.h>

struct seed_person {
    char first[32], last[32];             /* UTF-8 as people write them */
    char first_ascii[32], last_ascii[32]; /* lowercase ASCII, for logins and e-mail addresses */
    char company[64];
    char address_1[80], address_2[40];
    char city[48], state[8], postcode[12], country[3];
    char phone[32];
};

void seed_person_make(uint64_t seed, uint64_t key, struct seed_person *out);

#endif
