// A state name as a coloured badge (colours by state in styles.css, one palette for every page).
export const StateBadge = ({ state }: { readonly state: string }) => <span class={`badge state-${state}`}>{state}</span>
