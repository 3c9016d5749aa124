/** The role that opens the admin API, the admin page and the operator's powers. */
export const ADMIN_ROLE = 'admin';
